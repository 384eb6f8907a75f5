"""Several organising bodies on one site: a second contest set up from the command line alone, a contestant who
takes it through the JSON API and draws only its chosen topics, the first contest unaffected, each organiser
reaching only their own contest, and the home page listing both."""
from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import (
    Area,
    Attempt,
    AttemptQuestion,
    Contest,
    ContestTopic,
    Question,
    Registration,
    Round,
    Topic,
    Unit,
    utcnow,
)
from tests.journey import cccd_for, without_rate_limits

TQ_TOPICS = ("to-chuc-bo-may", "che-do-cong-vu", "tuyen-quang-2023")


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cli(runner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def tuyen_quang(app, runner, seeded, tmp_path):
    """Tuyên Quang's contest, made with the command line only (the demo's Lào Cai contest is there too)."""
    local = utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    opens = (local - timedelta(days=1)).strftime("%Y-%m-%d 00:00")
    closes = (local + timedelta(days=6)).strftime("%Y-%m-%d 24:00")
    _cli(runner, "contest", "create", "cchc-tuyen-quang", "--title", "Tìm hiểu cải cách hành chính tỉnh Tuyên Quang",
         "--province", "08", "--organizer", "Sở Nội vụ tỉnh Tuyên Quang")
    _cli(runner, "contest", "question-sets", "cchc-tuyen-quang", "--ranked", ",".join(TQ_TOPICS))
    _cli(runner, "contest", "round-add", "cchc-tuyen-quang", "--name", "Đợt 1", "--opens", opens, "--closes", closes,
         "--questions", "12", "--minutes", "15", "--attempts", "2", "--topics", ",".join(TQ_TOPICS))
    units = tmp_path / "don-vi.xlsx"
    units.write_bytes(_xlsx([["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Khối", "Mã địa bàn", "Số CBCCVC"],
                             ["SNV-TQ", "Sở Nội vụ", "Cơ quan", "Khối sở, ban, ngành", "08", 64],
                             ["STP-TQ", "Sở Tư pháp", "Cơ quan", "Khối sở, ban, ngành", "08", 41]]))
    _cli(runner, "units", "import", "cchc-tuyen-quang", str(units))
    _cli(runner, "staff", "add", "sonv.tq", "--role", "organizer", "--contest", "cchc-tuyen-quang",
         "--password", "matkhau123", "--name", "Sở Nội vụ Tuyên Quang")
    _cli(runner, "staff", "add", "btc.lc", "--role", "organizer", "--contest", "cchc-2026", "--password", "matkhau123")
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == "cchc-tuyen-quang"))
        commune = db.session.scalar(select(Area).where(Area.contest_id == contest.id, Area.level == "commune")
                                    .order_by(Area.code))
        return {"id": contest.id, "commune": commune.id, "round": contest.rounds[0].id,
                "unit": db.session.scalar(select(Unit.id).where(Unit.contest_id == contest.id, Unit.code == "SNV-TQ"))}


def test_a_second_contest_is_set_up_by_the_command_line_and_taken_through_the_api(app, client, tuyen_quang,
                                                                                   monkeypatch):
    without_rate_limits(monkeypatch)
    with app.app_context():
        contest = db.session.get(Contest, tuyen_quang["id"])
        assert contest.province_code == "08" and contest.organizer_name == "Sở Nội vụ tỉnh Tuyên Quang"
        communes = db.session.scalar(select(func.count()).select_from(Area).where(
            Area.contest_id == contest.id, Area.level == "commune"))
        assert communes > 100  # the current communes and wards of the merged province
        lao_cai_before = db.session.scalar(select(func.count()).select_from(Attempt))
    born = date(1988, 9, 3)
    body = {"full_name": "Ma Thị Hằng", "birth_date": born.isoformat(), "gender": "nu",
            "cccd": cccd_for(born, "nu", 77, province="008"), "phone": "0968000077", "email": "",
            "area_id": tuyen_quang["commune"], "unit_id": tuyen_quang["unit"], "category": "official",
            "password": "matkhau123", "consent": True}
    session = client.get("/api/v1/session").get_json()
    resp = client.post("/api/v1/contests/cchc-tuyen-quang/register", json=body,
                       headers={"X-CSRFToken": session["csrf_token"]})
    assert resp.status_code == 201, resp.get_json()
    token = resp.get_json()["csrf_token"]
    started = client.post(f"/api/v1/rounds/{tuyen_quang['round']}/attempts", headers={"X-CSRFToken": token})
    assert started.status_code == 201, started.get_json()
    attempt = started.get_json()
    assert len(attempt["questions"]) == 12
    assert all([o["id"] for o in q["options"]] == list(range(1, len(q["options"]) + 1)) for q in attempt["questions"])
    with app.app_context():
        drawn = set(db.session.scalars(select(Topic.slug).join(Question).join(
            AttemptQuestion, AttemptQuestion.question_id == Question.id).where(
            AttemptQuestion.attempt_id == attempt["id"])))
        assert drawn and drawn <= set(TQ_TOPICS)  # only the topics the contest chose, never another province's
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == lao_cai_before + 1
        lao_cai = db.session.scalar(select(Contest).where(Contest.slug == "cchc-2026"))
        assert db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.contest_id == lao_cai.id, Registration.user.has(full_name="Ma Thị Hằng"))) == 0
    for q in attempt["questions"]:
        saved = client.put(f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}", json={"option_id": 1},
                           headers={"X-CSRFToken": token})
        assert saved.status_code == 200
    done = client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={}, headers={"X-CSRFToken": token})
    assert done.status_code == 200 and done.get_json()["total"] == 12


def test_each_organiser_reaches_only_their_own_contest(app, client, login, tuyen_quang):
    login("sonv.tq")
    mine = client.get("/quan-tri/").get_data(as_text=True)
    assert "tỉnh Tuyên Quang" in mine and "năm 2026" not in mine.split("<main")[1]
    assert client.get("/quan-tri/cuoc-thi/cchc-tuyen-quang/").status_code == 200
    for page in ("/", "/cai-dat", "/dot-thi", "/ket-qua/", "/kiem-tra/", "/don-vi", "/tra-cuu?q=a",
                 "/dinh-nghia.yaml"):
        assert client.get(f"/quan-tri/cuoc-thi/cchc-2026{page}").status_code == 404, page
    with app.app_context():
        lao_cai_round = db.session.scalar(select(Round.id).join(Contest).where(Contest.slug == "cchc-2026",
                                                                             Round.number == 1))
        entry = db.session.scalar(select(Registration.id).join(Contest).where(Contest.slug == "cchc-2026"))
    assert client.get(f"/quan-tri/cuoc-thi/cchc-2026/ket-qua/dot/{lao_cai_round}").status_code == 404
    assert client.get(f"/quan-tri/cuoc-thi/cchc-2026/kiem-tra/bai-du-thi/{entry}").status_code == 404
    # a Lào Cai round or entry reached through the Tuyên Quang contest's pages is not found either
    assert client.get(f"/quan-tri/cuoc-thi/cchc-tuyen-quang/ket-qua/dot/{lao_cai_round}").status_code == 404
    assert client.get(f"/quan-tri/cuoc-thi/cchc-tuyen-quang/kiem-tra/bai-du-thi/{entry}").status_code == 404
    client.post("/dang-xuat")
    login("btc.lc")
    assert client.get("/quan-tri/cuoc-thi/cchc-2026/").status_code == 200
    assert client.get("/quan-tri/cuoc-thi/cchc-tuyen-quang/").status_code == 404


def test_the_home_page_and_the_api_list_every_published_contest(client, tuyen_quang):
    home = client.get("/").get_data(as_text=True)
    assert "Tìm hiểu cải cách hành chính năm 2026" in home and "Tìm hiểu cải cách hành chính tỉnh Tuyên Quang" in home
    listed = client.get("/api/v1/contests").get_json()["contests"]
    by_slug = {c["slug"]: c for c in listed}
    assert set(by_slug) >= {"cchc-2026", "cchc-tuyen-quang"}
    assert by_slug["cchc-tuyen-quang"]["state"] == "open" and by_slug["cchc-tuyen-quang"]["province_code"] == "08"
    assert by_slug["cchc-tuyen-quang"]["organizing_body"] == "Sở Nội vụ tỉnh Tuyên Quang"


def test_the_lao_cai_contest_is_unaffected(app, tuyen_quang):
    with app.app_context():
        lao_cai = db.session.scalar(select(Contest).where(Contest.slug == "cchc-2026"))
        codes = set(db.session.scalars(select(Area.code).where(Area.contest_id == lao_cai.id, Area.level == "commune")))
        tq = set(db.session.scalars(select(Area.code).where(Area.contest_id == tuyen_quang["id"],
                                                            Area.level == "commune")))
        assert codes and tq and not codes & tq
        assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.contest_id == lao_cai.id)) > 100
        assert "tuyen-quang-2023" not in set(db.session.scalars(select(Topic.slug).join(ContestTopic).where(
            ContestTopic.contest_id == lao_cai.id)))
