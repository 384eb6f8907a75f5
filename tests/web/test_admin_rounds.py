"""Organisers set up rounds; rules that decide scores freeze once the round has started."""
from datetime import timedelta

from quizapp.extensions import db
from quizapp.models import Round
from quizapp.services import attempts
from tests.factories import make_bank, make_contest, register_contestant


def _form(rnd, **over):
    data = {"name": rnd.name, "opens_at": "2026-11-16T00:00", "closes_at": "2026-11-23T00:00", "question_count": "5",
            "time_limit_minutes": "15", "attempts_allowed": "2", "counting_rule": "first", "prediction_mode": "",
            "prediction_question": "", "blueprint": "the-che: 2\nchi-so/2: 1"}
    return data | over


def _setup(app, now):
    with app.app_context():
        make_bank(30)
        contest = make_contest(now, question_count=5)
        return contest.rounds[0].id


def test_organizer_edits_a_round_in_local_time(app, client, login, organizer, now):
    rid = _setup(app, now)
    login(organizer)
    resp = client.post(f"/quan-tri/dot-thi/{rid}", data=_form(Round(name="Tuần 1")), follow_redirects=True)
    assert "Đã lưu đợt thi" in resp.get_data(as_text=True)
    with app.app_context():
        rnd = db.session.get(Round, rid)
        assert rnd.opens_at.isoformat() == "2026-11-15T17:00:00+00:00"  # 00:00 in Vietnam
        assert (rnd.time_limit_seconds, rnd.attempts_allowed, rnd.counting_rule) == (900, 2, "first")
        assert rnd.blueprint == [{"count": 2, "topic": "the-che"}, {"count": 1, "topic": "chi-so", "difficulty": "2"}]


def test_a_blueprint_the_bank_cannot_fill_is_refused(app, client, login, organizer, now):
    rid = _setup(app, now)
    login(organizer)
    html = client.post(f"/quan-tri/dot-thi/{rid}", data=_form(Round(name="Tuần 1"), blueprint="khong-co-chu-de: 3"),
                       follow_redirects=True).get_data(as_text=True)
    assert "khong-co-chu-de" in html and "Đã lưu" not in html


def test_scoring_rules_freeze_once_someone_started(app, client, login, organizer, now):
    rid = _setup(app, now)
    with app.app_context():
        rnd = db.session.get(Round, rid)
        reg = register_contestant(rnd.contest, now)
        attempts.start_attempt(reg.id, rid, now)
    login(organizer)
    html = client.post(f"/quan-tri/dot-thi/{rid}", data=_form(Round(name="Tuần 1"), question_count="10"),
                       follow_redirects=True).get_data(as_text=True)
    assert "không thể đổi số câu" in html
    with app.app_context():
        assert db.session.get(Round, rid).question_count == 5


def test_closing_time_can_be_extended_after_start(app, client, login, organizer, now):
    rid = _setup(app, now)
    with app.app_context():
        rnd = db.session.get(Round, rid)
        opens = rnd.opens_at
        reg = register_contestant(rnd.contest, now)
        attempts.start_attempt(reg.id, rid, now)
    login(organizer)
    local_open = (opens + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")
    resp = client.post(f"/quan-tri/dot-thi/{rid}", data=_form(
        Round(name="Tuần 1"), opens_at=local_open, closes_at="2026-12-31T23:59", blueprint="", counting_rule="best",
        attempts_allowed="3", time_limit_minutes="20"), follow_redirects=True)
    assert "Đã lưu đợt thi" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Round, rid).closes_at.isoformat() == "2026-12-31T16:59:00+00:00"
