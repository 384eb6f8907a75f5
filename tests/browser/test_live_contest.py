"""Issue 14, done when: a host screen and three phones through a whole short session in Chromium (join, three
questions, a reconnect mid-question, the final board), and the exported file says what the host screen showed."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.browser.a11y import serious_violations
from tests.browser.test_contestant_journey import fits_a_small_phone

HOST_SCREEN = {"viewport": {"width": 1280, "height": 720}, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}
NAMES = ["Nguyễn Thị Hoà", "Trần Văn Hải", "Lê Thị Hà"]


@pytest.fixture
def session(live):
    """A session of three questions (30 s each, points for speed) run by the journey contest's organiser."""
    from quizapp.domain import live as rules
    from quizapp.models import Contest, utcnow
    from quizapp.services import live as live_service
    from tests.factories import make_staff

    with live.db() as db:
        contest = db.get(Contest, live.journey.contest_id)
        host = make_staff("btc-hoi-thi", "organizer", [contest])
        topics = tuple(t.topic_id for t in contest.topic_links)
        s = live_service.create_session(
            contest, rules.LiveSettings("Hội thi cán bộ, công chức cấp xã", 30, rules.SPEED),
            live_service.QuestionSource(topic_ids=topics, count=3, tiebreak_count=1), utcnow(), host)
        correct = [live_service._question(s, i).correct_option.text for i in range(3)]
        return {"id": s.id, "code": s.join_code, "slug": contest.slug, "correct": correct}


def sign_in_staff(page, live, username: str) -> None:
    page.goto(f"{live.url}/dang-nhap")
    page.get_by_label("Số điện thoại hoặc số CCCD").fill(username)
    page.get_by_label("Mật khẩu").fill("matkhau123")
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url(re.compile(r".*/(quan-tri.*)?$"))


def tap(page, text: str) -> None:
    page.locator(".live-option", has_text=text).click()


def tap_other(page, text: str) -> None:
    page.locator(".live-option").filter(has_not_text=text).first.click()


def wait_question(page, number: int) -> None:
    page.locator("#q-number", has_text=f"Câu {number}/3").wait_for()


def test_a_host_and_three_phones_run_a_whole_session_and_the_export_matches_the_screen(browser, phone, live, session):
    host_context = browser.new_context(**HOST_SCREEN)
    host_context.set_default_timeout(15_000)
    try:
        host = host_context.new_page()
        sign_in_staff(host, live, "btc-hoi-thi")
        host.goto(f"{live.url}/quan-tri/cuoc-thi/{session['slug']}/truc-tiep/{session['id']}/man-hinh")
        assert host.locator(".host-qr svg").is_visible()
        assert host.locator(".host-code-big").inner_text() == session["code"]
        assert serious_violations(host) == []

        phones = []
        for name in NAMES:
            page = phone().new_page()
            page.goto(f"{live.url}/truc-tiep?ma={session['code']}")
            fits_a_small_phone(page)
            if not phones:
                assert serious_violations(page) == []
            page.get_by_label("Tên hiển thị").fill(name)
            page.get_by_role("button", name="Vào phòng thi").click()
            page.get_by_text("Bạn đã vào phòng thi").wait_for()
            fits_a_small_phone(page)
            phones.append(page)
        host.locator("#h-players", has_text="3").wait_for()
        assert all(n in host.locator("#h-names").inner_text() for n in NAMES)

        # Question 1, started with the Space key: two right, one wrong.
        host.keyboard.press("Space")
        host.locator("#h-qnumber", has_text="Câu 1/3").wait_for()
        for p in phones:
            wait_question(p, 1)
            assert p.locator("#q-text").inner_text() == host.locator("#h-qtext").inner_text()
        fits_a_small_phone(phones[0])
        assert serious_violations(phones[0]) == [] and serious_violations(host) == []
        tap(phones[0], session["correct"][0])
        phones[0].get_by_text("Đã ghi nhận").wait_for()
        tap_other(phones[1], session["correct"][0])
        tap(phones[2], session["correct"][0])
        for p in phones:
            p.get_by_text("Đã ghi nhận").wait_for()
            assert p.locator(".live-option:disabled").count() == p.locator(".live-option").count()
        host.locator("#h-answered", has_text="3").wait_for()
        host.get_by_role("button", name=re.compile("Tiếp theo")).click()
        host.locator("#h-correct", has_text="A").wait_for()
        assert host.locator(".host-option.is-correct .host-count").inner_text() == "2"
        phones[0].locator("#r-verdict", has_text="Chính xác!").wait_for()
        phones[1].locator("#r-verdict", has_text="Chưa đúng.").wait_for()
        assert serious_violations(host) == []
        host.keyboard.press("ArrowRight")
        host.locator("#h-board-title", has_text="Bảng điểm sau câu 1").wait_for()
        assert host.locator("#h-table tbody tr").count() == 3

        # Question 2: a phone answers and reloads, another reloads before answering (a lost connection).
        host.keyboard.press("Space")
        for p in phones:
            wait_question(p, 2)
        tap(phones[1], session["correct"][1])
        phones[1].get_by_text("Đã ghi nhận").wait_for()
        phones[1].reload()
        wait_question(phones[1], 2)
        phones[1].get_by_text("Đã ghi nhận").wait_for()  # it rejoined where the session is, its answer kept
        assert phones[1].locator(".live-option.chosen").inner_text().endswith(session["correct"][1])
        phones[2].reload()
        wait_question(phones[2], 2)
        tap(phones[2], session["correct"][1])
        tap(phones[0], session["correct"][1])
        host.locator("#h-answered", has_text="3").wait_for()
        host.keyboard.press("Space")
        host.locator("#h-reveal").wait_for()
        host.keyboard.press("Space")
        host.locator("#h-board-title", has_text="Bảng điểm sau câu 2").wait_for()

        # Question 3 with a pause: answers wait for "Tiếp tục".
        host.keyboard.press("Space")
        for p in phones:
            wait_question(p, 3)
        host.get_by_role("button", name="Tạm dừng").click()
        phones[0].get_by_text("Tạm dừng, vui lòng chờ.").wait_for()
        host.get_by_role("button", name="Tiếp tục").click()
        phones[0].locator(".live-option:enabled").first.wait_for()
        for p in phones:
            tap(p, session["correct"][2])
            p.get_by_text("Đã ghi nhận").wait_for()
        host.keyboard.press("Space")
        host.locator("#h-reveal").wait_for()
        host.keyboard.press("Space")
        host.locator("#h-board-title", has_text="Kết quả chung cuộc").wait_for()

        shown = [[td.inner_text() for td in row.locator("td").all()] for row in host.locator("#h-table tbody tr").all()]
        assert [r[1] for r in shown][-1] == "Trần Văn Hải"  # wrong on question 1
        for p in phones:
            p.locator("#r-title", has_text="Kết quả chung cuộc").wait_for()
        ranks = {p.locator(".live-me strong").first.inner_text(): p.locator("#my-rank").inner_text() for p in phones}
        assert ranks == {r[1]: r[0] for r in shown}

        xlsx = host_context.request.get(
            f"{live.url}/quan-tri/cuoc-thi/{session['slug']}/truc-tiep/{session['id']}/ket-qua.xlsx")
        assert xlsx.status == 200
        sheet = load_workbook(io.BytesIO(xlsx.body())).active
        rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
        exported = [[str(r[0]), r[1], str(r[3]), str(r[4]), f"{r[5]:.1f}".replace(".", ",")] for r in rows]
        assert exported == shown
    finally:
        host_context.close()
