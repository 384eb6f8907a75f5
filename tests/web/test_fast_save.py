"""Saving an answer takes one guarded statement in the common case; every rule still holds, and a refusal still
gets its own Vietnamese message (the full path explains what the statement refused)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, User, utcnow
from tests.factories import make_bank, make_contest, register_contestant

PASSWORD = "matkhau123"


@pytest.fixture
def two(app):
    """Two contestants of one open contest, each signed in on their own browser with an attempt in progress."""
    with app.app_context():
        now = utcnow()
        make_bank(20)
        contest = make_contest(now, slug="luu-nhanh", question_count=5)
        phones = [register_contestant(contest, now, n=n).user.phone for n in (1, 2)]
        round_id = contest.rounds[0].id
    out = []
    for phone in phones:
        browser = app.test_client()
        assert browser.post("/api/v1/login", json={"identifier": phone, "password": PASSWORD}).status_code == 200
        attempt = browser.post(f"/api/v1/rounds/{round_id}/attempts").get_json()
        out.append((browser, attempt, phone))
    return out


def _put(browser, attempt, q, option, seq=0):
    return browser.put(f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}", json={"option_id": option, "seq": seq})


def _stored(app, attempt_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == attempt_id))


def test_an_answer_to_someone_elses_attempt_is_not_found_and_stores_nothing(app, two):
    (mine, my_attempt, _), (_, their_attempt, _) = two
    resp = _put(mine, their_attempt, their_attempt["questions"][0], 1)
    assert resp.status_code == 404 and resp.get_json()["message"] == "Không tìm thấy bài thi."
    assert _stored(app, their_attempt["id"]) == 0
    # A question of the other attempt inside my own attempt's address is not mine either.
    resp = _put(mine, my_attempt, their_attempt["questions"][0], 1)
    assert resp.status_code == 422 and resp.get_json()["error"] == "invalid_question"


def test_a_locked_account_cannot_save_with_the_session_it_still_holds(app, two):
    (browser, attempt, phone), _ = two
    with app.app_context():
        db.session.scalar(select(User).where(User.phone == phone)).is_active_account = False
        db.session.commit()
    resp = _put(browser, attempt, attempt["questions"][0], 1)
    assert resp.status_code == 401 and resp.get_json()["error"] == "unauthorized"
    assert _stored(app, attempt["id"]) == 0


def test_an_option_outside_the_question_is_refused_with_its_message(app, two):
    (browser, attempt, _), _ = two
    q = attempt["questions"][0]
    for option in (0, len(q["options"]) + 1, 10**6):
        resp = _put(browser, attempt, q, option)
        assert resp.status_code == 422 and resp.get_json()["message"] == "Phương án này không thuộc câu hỏi."
    assert _stored(app, attempt["id"]) == 0


def test_a_change_queued_offline_earlier_does_not_overwrite_a_newer_one(app, two):
    (browser, attempt, _), _ = two
    q = attempt["questions"][0]
    assert _put(browser, attempt, q, 2, seq=5).get_json()["option_id"] == 2
    late = _put(browser, attempt, q, 3, seq=4)  # sent before seq 5, arrives after it
    assert late.status_code == 200 and late.get_json()["option_id"] == 2
    assert _put(browser, attempt, q, 4, seq=6).get_json()["option_id"] == 4
    reopened = browser.get(f"/api/v1/attempts/{attempt['id']}").get_json()
    assert reopened["questions"][0]["chosen_option_id"] == 4


def test_after_submission_and_after_the_deadline_answers_are_refused(app, two):
    (browser, attempt, _), (other, other_attempt, _) = two
    assert browser.post(f"/api/v1/attempts/{attempt['id']}/submit", json={"auto": True}).status_code == 200
    resp = _put(browser, attempt, attempt["questions"][0], 1)
    assert resp.status_code == 409 and resp.get_json()["error"] == "attempt_closed"
    with app.app_context():
        row = db.session.get(Attempt, other_attempt["id"])
        row.deadline_at = utcnow() - timedelta(seconds=16)  # past the 15 s grace
        db.session.commit()
    resp = _put(other, other_attempt, other_attempt["questions"][0], 1)
    assert resp.status_code == 409 and resp.get_json()["error"] == "time_up"
    assert _stored(app, attempt["id"]) == 0 and _stored(app, other_attempt["id"]) == 0
