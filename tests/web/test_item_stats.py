"""Item statistics of a round as an organiser meets them: the console page, the Excel/CSV download, the command.

The round is real (drawn, answered and graded attempts); one question's key is then changed in the bank, the
way a wrong key entered by hand would look: the strong contestants all chose what is now a wrong option.
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AttemptQuestion, Contest, Question, QuestionOption, Unit, utcnow
from quizapp.services import item_stats as item_stats_service
from tests.factories import make_staff
from tests.results_factories import make_world

PEOPLE = 48


@pytest.fixture
def planted(app):
    with app.app_context():
        world = make_world(utcnow() - timedelta(days=8))
        # Ten questions in play, five per attempt: each is drawn about 24 times.
        keep = db.session.scalars(select(Question.id).order_by(Question.id).limit(10)).all()
        db.session.execute(update(Question).where(Question.id.not_in(keep)).values(status="retired"))
        db.session.commit()
        people = world.people(PEOPLE)
        for i, person in enumerate(people):
            world.attempt(person, i / 10, i % 6)
        # The question drawn most often gets a wrong key: the option after the real one is marked correct.
        target = db.session.execute(
            select(AttemptQuestion.question_id, func.count()).group_by(AttemptQuestion.question_id)
            .order_by(func.count().desc(), AttemptQuestion.question_id)).first()[0]
        options = db.session.scalars(select(QuestionOption).where(QuestionOption.question_id == target)
                                     .order_by(QuestionOption.position)).all()
        real = next(i for i, o in enumerate(options) if o.is_correct)
        options[real].is_correct = False
        db.session.flush()
        options[(real + 1) % len(options)].is_correct = True
        db.session.commit()
        return {"slug": world.contest.slug, "round": world.round.id, "target": target,
                "real_label": "ABCD"[real], "contest": world.contest.id, "unit": world.units[1].id}


def test_the_service_suspects_the_wrong_key_and_counts_every_finished_attempt(app, planted):
    with app.app_context():
        rnd = item_stats_service.get_round(planted["contest"], planted["round"])
        found = item_stats_service.for_round(rnd)
        assert found.summary.attempts == PEOPLE
        assert found.summary.questions == 10
        first = found.rows[0]
        assert first.question_id == planted["target"]
        assert "key_suspect" in first.stat.flags and first.stat.suspect == planted["real_label"]
        assert sum(r.stat.shown for r in found.rows) == PEOPLE * 5
        # An attempt in progress does not count (its answers may still change).
        attempt = db.session.scalar(select(Attempt).where(Attempt.round_id == rnd.id).limit(1))
        attempt.status = "in_progress"
        db.session.commit()
        assert item_stats_service.for_round(rnd).summary.attempts == PEOPLE - 1


def test_the_organiser_reads_the_page_and_downloads_the_table(app, client, login, planted):
    with app.app_context():
        make_staff("btc-thongke", "organizer", [db.session.get(Contest, planted["contest"])])
    login("btc-thongke")
    round_page = client.get(f"/quan-tri/cuoc-thi/{planted['slug']}/ket-qua/dot/{planted['round']}").get_data(as_text=True)
    assert "Thống kê câu hỏi" in round_page
    resp = client.get(f"/quan-tri/cuoc-thi/{planted['slug']}/ket-qua/dot/{planted['round']}/cau-hoi")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f"Có thể sai đáp án: nhóm điểm cao chọn phương án khác nhiều hơn đáp án ({planted['real_label']})" in html
    # The suspected question comes first and links to its page in the bank.
    first_card = html.index('class="card item-card')
    assert html.index(f'id="cau-{planted["target"]}"') < html.index('class="card item-card', first_card + 1)
    assert f"/quan-tri/cau-hoi/{planted['target']}" in html
    assert "1 câu có thể sai đáp án" in html or "câu có thể sai đáp án hoặc gần như không ai" in html

    only = client.get(f"/quan-tri/cuoc-thi/{planted['slug']}/ket-qua/dot/{planted['round']}/cau-hoi?canh-bao=1")
    assert only.get_data(as_text=True).count('class="card item-card') < html.count('class="card item-card')

    xlsx = client.get(f"/quan-tri/cuoc-thi/{planted['slug']}/ket-qua/dot/{planted['round']}/cau-hoi.xlsx")
    assert xlsx.status_code == 200 and "private" in xlsx.headers["Cache-Control"]
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:8] == ("STT", "Mã câu hỏi", "Chủ đề", "Câu hỏi", "Đáp án", "Số lượt ra", "Số lượt trả lời",
                          "Tỷ lệ đúng (%)")
    assert len(rows) == 11
    warn = header.index("Cảnh báo")
    assert "Có thể sai đáp án" in rows[1][warn]
    assert isinstance(rows[1][7], float | int)  # a number Excel can sort, not text

    text = client.get(f"/quan-tri/cuoc-thi/{planted['slug']}/ket-qua/dot/{planted['round']}/cau-hoi.csv")
    table = list(csv.reader(io.StringIO(text.data.decode("utf-8-sig"))))
    assert table[0][0] == "STT" and len(table) == 11


def test_a_moderator_is_refused_the_statistics(app, client, login, planted):
    with app.app_context():
        make_staff("kd-thongke", "moderator", [db.session.get(Contest, planted["contest"])],
                   unit=db.session.get(Unit, planted["unit"]))
    login("kd-thongke")
    assert client.get(f"/quan-tri/cuoc-thi/{planted['slug']}/ket-qua/dot/{planted['round']}/cau-hoi").status_code == 403


def test_the_command_writes_the_table_and_names_the_suspect(app, runner, planted, tmp_path):
    out = runner.invoke(args=["results", "items", str(planted["round"]), str(tmp_path / "tk.xlsx")])
    assert out.exit_code == 0, out.output
    assert f"{PEOPLE} bài thi, 10 câu hỏi" in out.output
    assert "Có thể sai đáp án" in out.output
    assert load_workbook(tmp_path / "tk.xlsx").worksheets[1].title == "Cách đọc"
    bad = runner.invoke(args=["results", "items", str(planted["round"]), str(tmp_path / "tk.pdf")])
    assert bad.exit_code != 0 and "xlsx hoặc .csv" in bad.output
    missing = runner.invoke(args=["results", "items", "999999", str(tmp_path / "x.csv")])
    assert missing.exit_code != 0 and "Không có đợt thi" in missing.output


def test_a_round_nobody_finished_says_so(app, client, login, planted):
    with app.app_context():
        db.session.execute(update(Attempt).values(status="in_progress"))
        db.session.execute(Answer.__table__.delete())
        db.session.commit()
        make_staff("btc-rong", "organizer", [db.session.get(Contest, planted["contest"])])
    login("btc-rong")
    html = client.get(f"/quan-tri/cuoc-thi/{planted['slug']}/ket-qua/dot/{planted['round']}/cau-hoi").get_data(as_text=True)
    assert "Chưa có bài thi nào được nộp trong đợt này." in html
