"""Organisers set up rounds: local times, the draw by topic (with the bank's counts), guards that say whom a change
touches, and rules that decide scores freeze once the round has started."""
import re
from datetime import timedelta

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AuditLog, Round
from quizapp.services import attempts
from tests.factories import make_bank, make_contest, register_contestant


def _form(name="Tuần 1", **over):
    data = {"name": name, "opens_at": "2026-11-16T00:00", "closes_at": "2026-11-23T00:00", "question_count": "5",
            "time_limit_minutes": "15", "attempts_allowed": "2", "counting_rule": "first", "prediction_mode": "",
            "prediction_question": "", "bp-the-che-any": "2", "bp-chi-so-2": "1"}
    return data | over


def _setup(app, now):
    with app.app_context():
        make_bank(30)
        contest = make_contest(now, question_count=5)
        return contest.rounds[0].id


def _url(rid):
    return f"/quan-tri/cuoc-thi/test/dot-thi/{rid}"


def test_the_round_page_shows_the_draw_by_topic_name_with_the_banks_counts(app, client, login, now):
    rid = _setup(app, now)
    _organiser(app, client, login)
    html = client.get(_url(rid)).get_data(as_text=True)
    assert re.search(r"the-che <span class=\"muted\">\(15\)", html)  # each topic by its title, with its count
    assert 'aria-label="chi-so, khó (5 câu)"' in html
    assert "mã chủ đề" not in html  # no hidden codes to type


def test_organizer_edits_a_round_in_local_time(app, client, login, now):
    rid = _setup(app, now)
    _organiser(app, client, login)
    resp = client.post(_url(rid), data=_form(), follow_redirects=True)
    assert "Đã lưu Tuần 1" in resp.get_data(as_text=True)
    with app.app_context():
        rnd = db.session.get(Round, rid)
        assert rnd.opens_at.isoformat() == "2026-11-15T17:00:00+00:00"  # 00:00 in Vietnam
        assert (rnd.time_limit_seconds, rnd.attempts_allowed, rnd.counting_rule) == (900, 2, "first")
        assert sorted(rnd.blueprint, key=str) == [{"count": 1, "topic": "chi-so", "difficulty": 2},
                                                  {"count": 2, "topic": "the-che"}]
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "round.update")) is not None


def _organiser(app, client, login):
    from quizapp.models import Contest
    from tests.factories import make_staff

    with app.app_context():
        make_staff("btc", "organizer", list(db.session.scalars(select(Contest))))
    login("btc")


def test_a_draw_the_bank_cannot_fill_is_refused(app, client, login, now):
    rid = _setup(app, now)
    _organiser(app, client, login)
    html = client.post(_url(rid), data=_form(question_count="12", **{"bp-the-che-3": "9"}),
                       follow_redirects=True).get_data(as_text=True)
    assert "không đủ để ra đề" in html and "chỉ có 5 câu" in html and "Đã lưu" not in html


def test_scoring_rules_freeze_once_someone_started(app, client, login, now):
    rid = _setup(app, now)
    with app.app_context():
        rnd = db.session.get(Round, rid)
        reg = register_contestant(rnd.contest, now)
        attempts.start_attempt(reg.id, rid, now)
    _organiser(app, client, login)
    html = client.post(_url(rid), data=_form(question_count="10"), follow_redirects=True).get_data(as_text=True)
    assert "không thể đổi số câu" in html
    with app.app_context():
        assert db.session.get(Round, rid).question_count == 5


def test_changing_a_started_round_says_whom_it_touches_and_asks_to_confirm(app, client, login, now):
    rid = _setup(app, now)
    with app.app_context():
        rnd = db.session.get(Round, rid)
        opens = rnd.opens_at
        reg = register_contestant(rnd.contest, now)
        attempts.start_attempt(reg.id, rid, now)
    _organiser(app, client, login)
    local_open = (opens + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")
    data = _form(opens_at=local_open, closes_at="2026-12-31T23:59", counting_rule="best", attempts_allowed="3",
                 time_limit_minutes="20", question_count="5", **{"bp-the-che-any": "", "bp-chi-so-2": ""})
    html = client.post(_url(rid), data=data, follow_redirects=True).get_data(as_text=True)
    assert "ảnh hưởng đến 1 thí sinh" in html and "Xác nhận thay đổi" in html and "23:59 31/12/2026" in html
    with app.app_context():
        assert db.session.get(Round, rid).closes_at.month != 12 or db.session.get(Round, rid).closes_at.day != 31
    resp = client.post(_url(rid), data=data | {"confirmed": "1"}, follow_redirects=True)
    assert "Đã lưu Tuần 1" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Round, rid).closes_at.isoformat() == "2026-12-31T16:59:00+00:00"


def test_an_organiser_adds_a_round_and_removes_one_nobody_took(app, client, login, now):
    _setup(app, now)
    _organiser(app, client, login)
    resp = client.post("/quan-tri/cuoc-thi/test/dot-thi/moi", data=_form(name="Tuần 2"), follow_redirects=True)
    assert "Đã thêm Tuần 2" in resp.get_data(as_text=True)
    with app.app_context():
        new = db.session.scalar(select(Round).where(Round.name == "Tuần 2"))
        assert new.number == 2
    resp = client.post(f"/quan-tri/cuoc-thi/test/dot-thi/{new.id}/xoa", follow_redirects=True)
    assert "Đã xóa đợt thi" in resp.get_data(as_text=True)


def test_saving_a_started_round_unchanged_keeps_its_draw_whatever_order_the_grid_lists_topics(app, client, login, now):
    rid = _setup(app, now)
    with app.app_context():
        rnd = db.session.get(Round, rid)
        rnd.blueprint = [{"topic": "the-che", "count": 2}, {"topic": "chi-so", "count": 1, "difficulty": 2}]
        db.session.commit()
        reg = register_contestant(rnd.contest, now)
        attempts.start_attempt(reg.id, rid, now)
        opens = (rnd.opens_at + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")
        closes = (rnd.closes_at + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")
        minutes, allowed = rnd.time_limit_seconds // 60, rnd.attempts_allowed
    _organiser(app, client, login)
    data = _form(opens_at=opens, closes_at=closes, counting_rule="best", time_limit_minutes=str(minutes),
                 attempts_allowed=str(allowed))  # the grid lists chi-so first: the same draw, another order
    html = client.post(_url(rid), data=data, follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu Tuần 1" in html and "không thể đổi" not in html
