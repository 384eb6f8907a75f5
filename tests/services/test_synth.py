"""`flask demo synth`: synthetic finished attempts in bulk, for the board and results benchmarks (issue 13)."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from quizapp.extensions import db
from quizapp.models import Attempt, Contest, ContestEntry, CountedEntry, Registration, Round, User
from quizapp.services import bulk, leaderboard, results, simulation, synth


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _week1():
    return db.session.scalar(select(Round).where(Round.number == 1, Round.kind == "weekly"))


def _synthetic(*where):
    return db.session.scalar(
        select(func.count()).select_from(Registration).join(User).where(User.email.like("synth-%"), *where))


def test_synth_adds_graded_attempts_that_boards_and_results_count(seeded, db_session, now):
    week1 = _week1()
    contest = db_session.scalar(select(Contest))
    before = leaderboard.board(contest, now, round_id=week1.id, track_code="citizens").total + \
        leaderboard.board(contest, now, round_id=week1.id, track_code="officials").total

    report = synth.synthesize(40, now, seed=1)

    assert report.round_name == "Tuần 1" and report.contestants == 40 and report.attempts == 40
    assert _synthetic() == 40
    new = db_session.scalars(select(Attempt).join(Registration).join(User).where(User.email.like("synth-%"))).all()
    assert len(new) == 40 and {a.round_id for a in new} == {week1.id}
    for a in new:  # graded as submit_attempt grades: inside the round, before the deadline, score from correct
        assert a.status == "submitted" and a.total == week1.question_count and 0 <= a.correct <= a.total
        assert a.score == round(100 * a.correct / a.total, 2)
        assert week1.opens_at <= a.started_at < a.submitted_at <= a.deadline_at <= week1.closes_at
        assert a.duration_ms == round((a.submitted_at - a.started_at).total_seconds() * 1000)
        assert a.prediction is not None  # Tuần 1 asks the prediction question
    # The boards count them at once (aggregates rebuilt), in both tracks.
    after = leaderboard.board(contest, now, round_id=week1.id, track_code="citizens").total + \
        leaderboard.board(contest, now, round_id=week1.id, track_code="officials").total
    assert after == before + 40
    assert _count(ContestEntry, ContestEntry.registration_id.in_([a.registration_id for a in new])) == 40
    # And the results of the round rank them.
    draft = results.compute(week1.id, now)
    ranked = {r.attempt_id for r in results.result_rows(draft)}
    assert {a.id for a in new} <= ranked


def test_synth_can_give_each_contestant_several_attempts_and_is_additive(seeded, db_session, now):
    week1 = _week1()
    existing = _count(Attempt)
    synth.synthesize(10, now, each=2, seed=2)
    assert _synthetic() == 5
    numbers = db_session.execute(select(Attempt.registration_id, func.count(), func.max(Attempt.number))
                                 .join(Registration).join(User).where(User.email.like("synth-%"))
                                 .group_by(Attempt.registration_id)).all()
    assert sorted((n, top) for _, n, top in numbers) == [(2, 2)] * 5
    assert _count(CountedEntry, CountedEntry.round_id == week1.id,
                  CountedEntry.registration_id.in_([r for r, _, _ in numbers])) == 5

    synth.synthesize(3, now, seed=3)  # a second run adds, and leaves what is there alone
    assert _synthetic() == 8 and _count(Attempt) == existing + 13
    emails = db_session.scalars(select(User.email).where(User.email.like("synth-%"))).all()
    assert len(set(emails)) == 8 and all(e.endswith("@" + simulation.EMAIL_DOMAIN) for e in emails)


def test_synthetic_contestants_cannot_sign_in(seeded, db_session, now, client):
    synth.synthesize(1, now, seed=4)
    user = db_session.scalar(select(User).where(User.email.like("synth-%")))
    assert user.password_hash == simulation.shared_password_hash() and user.phone is None and user.cccd is None


def test_synth_refuses_a_database_without_the_demo_contest(app, runner):
    out = runner.invoke(args=["demo", "synth", "--attempts", "5"])
    assert out.exit_code != 0
    assert "không có cuộc thi mẫu" in out.output and "demo seed" in out.output
    with app.app_context():
        assert _count(User) == 0 and _count(Attempt) == 0


def test_synth_refuses_bad_numbers_with_a_message(seeded, db_session, now):
    with pytest.raises(synth.SynthError, match="số nguyên dương"):
        synth.synthesize(0, now)
    with pytest.raises(synth.SynthError, match="tối đa 3 lượt"):
        synth.synthesize(4, now, each=4)
    with pytest.raises(synth.SynthError, match="chưa mở"):
        synth.synthesize(4, now, round_number=3)
    with pytest.raises(synth.SynthError, match="không có đợt thi xếp hạng số 9"):
        synth.synthesize(4, now, round_number=9)


def test_cli_synth_reports_what_it_added(seeded, runner):
    out = runner.invoke(args=["demo", "synth", "--attempts", "6", "--each", "3", "--round", "1", "--seed", "5"])
    assert out.exit_code == 0, out.output
    assert "Đã thêm 2 thí sinh mô phỏng với 6 lượt thi đã nộp vào Tuần 1" in out.output


def test_bulk_insert_reports_a_broken_constraint_as_any_statement_would(app, db_session):
    row = {"role": "contestant", "full_name": "Nguyễn Văn An", "password_hash": "x", "phone": "0912345678"}
    with pytest.raises(IntegrityError):
        bulk.insert_rows(User, [dict(row), dict(row)])
    db_session.rollback()
    assert _count(User) == 0
