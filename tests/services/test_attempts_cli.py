"""`flask attempts close-expired`: the server closes attempts whose time ran out, even if nobody comes back."""
from datetime import timedelta

from quizapp.extensions import db
from quizapp.models import Attempt, utcnow
from quizapp.services import attempts
from tests.factories import make_bank, make_contest, register_contestant


def test_close_expired_closes_only_attempts_past_deadline_plus_grace(app, runner):
    real_now = utcnow()
    an_hour_ago = real_now - timedelta(hours=1)
    with app.app_context():
        make_bank(10)
        contest = make_contest(an_hour_ago, question_count=3, time_limit=600)
        rnd = contest.rounds[0]
        abandoned = attempts.start_attempt(register_contestant(contest, an_hour_ago, n=1).id, rnd.id, an_hour_ago)
        in_grace = attempts.start_attempt(register_contestant(contest, an_hour_ago, n=2).id, rnd.id,
                                          real_now - timedelta(seconds=600 + 5))
        running = attempts.start_attempt(register_contestant(contest, an_hour_ago, n=3).id, rnd.id, real_now)
        ids = abandoned.id, in_grace.id, running.id

    result = runner.invoke(args=["attempts", "close-expired"])
    assert result.exit_code == 0, result.output
    assert "Đã đóng 1 bài thi quá giờ." in result.output

    with app.app_context():
        status = {a.id: a for a in db.session.query(Attempt).filter(Attempt.id.in_(ids))}
        assert status[ids[0]].status == "expired" and status[ids[0]].duration_ms == 600_000
        assert status[ids[1]].status == "in_progress"  # still inside the grace period
        assert status[ids[2]].status == "in_progress"

    again = runner.invoke(args=["attempts", "close-expired"])
    assert again.exit_code == 0 and "Không có bài thi quá giờ nào cần đóng." in again.output
