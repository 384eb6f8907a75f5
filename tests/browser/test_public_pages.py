"""What the public, the press and a contestant meet on a phone: the published results of a round, and the axe-core
accessibility rules on every page of the journey (home, register, sign-in, attempt, result, leaderboard,
participation, public results)."""
from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.domain.text import fold_accents
from tests.browser.a11y import serious_violations
from tests.browser.test_contestant_journey import choose, fits_a_small_phone, sign_in, start_round

SCREEN = 740
NAMES = ["Nguyễn Thị Hoà", "Trần Văn Hải", "Lê Thị Hà", "Phạm Minh Tĩnh", "Hoàng Văn Hành", "Vũ Thị Thu",
         "Đặng Quốc Tuấn", "Bùi Thị Lan", "Đỗ Văn Nam", "Hồ Thị Mai", "Ngô Văn Long", "Dương Thị Yến"]


@pytest.fixture(scope="module")
def published(live):
    """Tuần 0 of the journey contest, finished by 48 contestants, with 11 prizes per track and 3 collective
    ones, computed, approved and published."""
    from quizapp.models import Area, Contest, Round, Unit
    from quizapp.services import results, simulation

    with live.db() as session:
        contest = session.get(Contest, live.journey.contest_id)
        rnd = session.scalar(select(Round).where(Round.contest_id == contest.id, Round.name == "Tuần 0"))
        communes = list(session.scalars(select(Area.id).where(Area.contest_id == contest.id,
                                                              Area.level == "commune")))
        units = list(session.scalars(select(Unit.id).where(Unit.contest_id == contest.id)))
        people = [simulation.Person(f"kq{i}", f"{NAMES[i % len(NAMES)]} {chr(65 + i // len(NAMES))}",
                                    "officials" if i % 2 else "citizens", communes[i % len(communes)],
                                    units[i % len(units)] if i % 2 else None) for i in range(48)]
        regs = simulation.add_contestants(contest, people, rnd.opens_at)
        sim = simulation.Simulator(random.Random(11))
        for i, reg in enumerate(regs):
            sim.take_attempt(reg, rnd, rnd.opens_at + timedelta(hours=i), 5 - i % 4, 60 + 7 * i, None)
        contest.prize_config = {"individual": {"first": 1, "second": 2, "third": 3, "consolation": 5},
                                "collective": {"first": 1, "second": 1, "third": 1}}
        session.commit()
        later = rnd.closes_at + timedelta(hours=1)
        draft = results.compute(rnd.id, later)
        results.publish(results.approve(draft.id, later).id, later)
        return rnd.id


def test_the_published_results_fit_a_phone_and_a_contestant_finds_their_name(phone, live, published):
    page = phone().new_page()
    response = page.goto(f"{live.url}/ket-qua/dot/{published}")
    fits_a_small_phone(page)
    assert len(response.body()) < 150 * 1024
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 8 * SCREEN, f"{height} px: {height / SCREEN:.1f} phone screens"
    # Winners first; the long tables are folded until asked for, and then scroll inside a focusable box.
    assert page.get_by_role("heading", name=re.compile("Giải cá nhân – Người dân")).is_visible()
    folded = page.locator("details.fold")
    assert folded.count() >= 3 and page.locator("details.fold[open]").count() == 0
    area_table = page.locator(".table-scroll[role=region]").first
    assert not area_table.is_visible()
    page.get_by_text("Tham gia theo địa bàn").click()
    assert area_table.is_visible()
    area_table.focus()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
    assert serious_violations(page) == []

    # "tìm tên của tôi", typed without accents, finds a winner listed on the page; whole words only.
    winner = page.locator("table.stack .c-name").first.inner_text()
    page.get_by_label(re.compile("Họ và tên")).fill(fold_accents(winner))
    page.get_by_role("button", name="Tìm", exact=True).click()
    found = page.locator("ul.found li")
    assert found.count() >= 1
    assert all(winner in text for text in found.all_inner_texts())
    fits_a_small_phone(page)
    family, *rest = fold_accents(winner).split()
    page.get_by_label(re.compile("Họ và tên")).fill(" ".join([family[:-1], *rest]))  # a word cut short
    page.get_by_role("button", name="Tìm", exact=True).click()
    assert page.locator("ul.found li").count() == 0
    page.get_by_label(re.compile("Họ và tên")).fill("khong co ai ten nay")
    page.get_by_role("button", name="Tìm", exact=True).click()
    assert page.get_by_text(re.compile("Không tìm thấy ai tên")).is_visible()


def test_every_page_of_the_journey_passes_axe(phone, live, published):
    page = phone().new_page()
    problems = []
    for path in ("/", "/dang-nhap", f"/cuoc-thi/{live.journey.slug}/dang-ky", f"/cuoc-thi/{live.journey.slug}",
                 f"/bang-xep-hang/{live.journey.slug}", f"/bang-xep-hang/{live.journey.slug}/tham-gia",
                 f"/ket-qua/dot/{published}"):
        page.goto(live.url + path)
        problems += serious_violations(page)
    sign_in(page, live, live.contestant(61))
    problems += serious_violations(page)
    start_round(page, live, "Tuần 1")
    choose(page, 0, 1)
    problems += serious_violations(page)  # the attempt page, an answer saved
    if page.locator("#prediction").count():
        page.fill("#prediction", "3")
    page.get_by_role("button", name="Nộp bài").first.click()  # the phone accepts the confirmation
    page.wait_for_url(re.compile(r"/ket-qua$"))
    problems += serious_violations(page)  # the contestant's result page
    page.goto(f"{live.url}/cuoc-thi/{live.journey.slug}/thi")
    problems += serious_violations(page)
    assert problems == []
