"""Timed attempts: the draw is frozen, the clock is the server's, submitting is safe to repeat."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AttemptQuestion, QuestionOption
from quizapp.services import attempts
from tests.factories import make_bank, make_contest, register_contestant


@pytest.fixture
def setup(db_session, now):
    make_bank(30)
    contest = make_contest(now, question_count=5, time_limit=600)
    reg = register_contestant(contest, now)
    return contest, contest.rounds[0], reg


def _correct_id(aq: AttemptQuestion) -> int:
    return db.session.scalar(select(QuestionOption.id).where(
        QuestionOption.question_id == aq.question_id, QuestionOption.is_correct))


def _correct(aq: AttemptQuestion) -> int:
    """The correct option's number as this attempt shows it (1-based)."""
    return aq.option_order.index(_correct_id(aq)) + 1


def _wrong(aq: AttemptQuestion) -> int:
    return next(n for n in range(1, len(aq.option_order) + 1) if n != _correct(aq))


def test_start_draws_the_round_count_and_freezes_the_order(setup, now):
    _, rnd, reg = setup
    a = attempts.start_attempt(reg.id, rnd.id, now, rng=random.Random(1))
    assert len(a.questions) == 5 and [q.position for q in a.questions] == [1, 2, 3, 4, 5]
    shown = attempts.view_attempt(a, now)
    texts = dict(db.session.execute(select(QuestionOption.id, QuestionOption.text)).all())
    assert [o.text for o in shown.questions[0].options] == [texts[i] for i in a.questions[0].option_order]
    assert [o.id for o in shown.questions[0].options] == [1, 2, 3, 4]  # numbers, not the bank's option ids
    assert a.deadline_at == now + timedelta(seconds=600)


def test_options_are_shuffled_per_attempt(setup, now):
    _, rnd, reg = setup
    a = attempts.start_attempt(reg.id, rnd.id, now, rng=random.Random(7))
    assert any(q.option_order != sorted(q.option_order) for q in a.questions), "options kept the bank's order"


def test_starting_twice_returns_the_attempt_in_progress(setup, now):
    _, rnd, reg = setup
    a1 = attempts.start_attempt(reg.id, rnd.id, now)
    a2 = attempts.start_attempt(reg.id, rnd.id, now + timedelta(minutes=1))
    assert a1.id == a2.id
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_deadline_never_passes_the_round_close(db_session, now):
    make_bank(10)
    contest = make_contest(now, question_count=3, time_limit=3600)
    rnd = contest.rounds[0]
    rnd.closes_at = now + timedelta(minutes=10)
    db.session.commit()
    reg = register_contestant(contest, now)
    a = attempts.start_attempt(reg.id, rnd.id, now)
    assert a.deadline_at == now + timedelta(minutes=10)


def test_nobody_starts_outside_the_window(setup, now):
    _, rnd, reg = setup
    with pytest.raises(DomainError, match="chưa mở"):
        attempts.start_attempt(reg.id, rnd.id, rnd.opens_at - timedelta(seconds=1))
    with pytest.raises(DomainError, match="đã kết thúc"):
        attempts.start_attempt(reg.id, rnd.id, rnd.closes_at)


def test_attempt_limit_is_enforced(setup, now):
    _, rnd, reg = setup
    for i in range(3):
        a = attempts.start_attempt(reg.id, rnd.id, now + timedelta(minutes=i))
        attempts.submit_attempt(a.id, reg.user_id, now + timedelta(minutes=i, seconds=30), prediction=1)
    with pytest.raises(DomainError) as e:
        attempts.start_attempt(reg.id, rnd.id, now + timedelta(minutes=5))
    assert e.value.code == "attempt_limit"


def test_answers_are_saved_changed_and_graded(setup, now):
    _, rnd, reg = setup
    a = attempts.start_attempt(reg.id, rnd.id, now)
    q1, q2 = a.questions[0], a.questions[1]
    attempts.save_answer(a.id, reg.user_id, q1.id, _wrong(q1), now)
    attempts.save_answer(a.id, reg.user_id, q1.id, _correct(q1), now + timedelta(seconds=5))
    attempts.save_answer(a.id, reg.user_id, q2.id, _wrong(q2), now + timedelta(seconds=6))
    res = attempts.submit_attempt(a.id, reg.user_id, now + timedelta(seconds=90), prediction=10)
    assert (res.correct, res.total, res.score) == (1, 5, 20.0)
    assert res.duration_ms == 90_000 and res.prediction == 10


def test_a_late_queued_change_does_not_overwrite_a_newer_one(setup, now):
    _, rnd, reg = setup
    a = attempts.start_attempt(reg.id, rnd.id, now)
    q = a.questions[0]
    attempts.save_answer(a.id, reg.user_id, q.id, _correct(q), now, client_seq=5)
    attempts.save_answer(a.id, reg.user_id, q.id, _wrong(q), now, client_seq=3)  # arrives late
    assert db.session.scalar(select(Answer.option_id)) == _correct_id(q)


def test_submitting_twice_returns_the_same_result(setup, now):
    _, rnd, reg = setup
    a = attempts.start_attempt(reg.id, rnd.id, now)
    attempts.save_answer(a.id, reg.user_id, a.questions[0].id, _correct(a.questions[0]), now)
    r1 = attempts.submit_attempt(a.id, reg.user_id, now + timedelta(seconds=40), prediction=3)
    r2 = attempts.submit_attempt(a.id, reg.user_id, now + timedelta(seconds=99), prediction=7)
    assert r1 == r2


def test_answers_after_deadline_plus_grace_are_refused(setup, now):
    _, rnd, reg = setup
    a = attempts.start_attempt(reg.id, rnd.id, now)
    q = a.questions[0]
    attempts.save_answer(a.id, reg.user_id, q.id, _correct(q), a.deadline_at + timedelta(seconds=10))  # in grace
    with pytest.raises(DomainError) as e:
        attempts.save_answer(a.id, reg.user_id, a.questions[1].id, _correct(a.questions[1]),
                             a.deadline_at + timedelta(seconds=16))
    assert e.value.code in ("time_up", "attempt_closed")


def test_foreign_questions_and_options_are_refused(setup, now):
    _, rnd, reg = setup
    a = attempts.start_attempt(reg.id, rnd.id, now)
    other_option = len(a.questions[0].option_order) + 1  # a number the question does not have
    with pytest.raises(DomainError, match="không thuộc câu hỏi"):
        attempts.save_answer(a.id, reg.user_id, a.questions[0].id, other_option, now)
    with pytest.raises(DomainError, match="không thuộc bài thi"):
        attempts.save_answer(a.id, reg.user_id, 999_999, other_option, now)


def test_someone_elses_attempt_is_not_found(setup, now):
    contest, rnd, reg = setup
    other = register_contestant(contest, now, n=2)
    a = attempts.start_attempt(reg.id, rnd.id, now)
    with pytest.raises(DomainError, match="Không tìm thấy"):
        attempts.get_attempt(a.id, other.user_id, now)


def test_expired_attempts_are_closed_on_access_and_by_the_command(setup, now):
    contest, rnd, reg = setup
    a = attempts.start_attempt(reg.id, rnd.id, now)
    attempts.save_answer(a.id, reg.user_id, a.questions[0].id, _correct(a.questions[0]), now)
    later = a.deadline_at + timedelta(minutes=1)
    other = register_contestant(contest, now, n=2)
    b = attempts.start_attempt(other.id, rnd.id, now)
    assert attempts.get_attempt(a.id, reg.user_id, later).status == "expired"
    assert attempts.close_expired(later) == 1
    db.session.expire_all()
    b = db.session.get(Attempt, b.id)
    assert b.status == "expired" and b.duration_ms == 600_000
    assert db.session.get(Attempt, a.id).correct == 1


def test_prediction_is_required_when_the_round_asks_for_it(db_session, now):
    make_bank(10)
    contest = make_contest(now, question_count=3, prediction_mode="perfect_count", prediction_question="Bao nhiêu?")
    reg = register_contestant(contest, now)
    a = attempts.start_attempt(reg.id, contest.rounds[0].id, now)
    with pytest.raises(DomainError, match="dự đoán"):
        attempts.submit_attempt(a.id, reg.user_id, now)
    assert attempts.submit_attempt(a.id, reg.user_id, now, prediction=42).prediction == 42


def test_answers_are_revealed_only_after_the_round_closes(setup, now):
    _, rnd, reg = setup
    a = attempts.start_attempt(reg.id, rnd.id, now)
    attempts.submit_attempt(a.id, reg.user_id, now, prediction=1)
    view = attempts.view_attempt(a, now)
    assert not view.reveal and all(q.correct_option_id is None for q in view.questions)
    after = attempts.view_attempt(a, rnd.closes_at)
    assert after.reveal and all(q.correct_option_id for q in after.questions)


def test_practice_shows_the_explanation_after_each_answer(db_session, now):
    make_bank(10)
    contest = make_contest(now, question_count=3, attempts_allowed=None, kind="practice")
    reg = register_contestant(contest, now)
    a = attempts.start_attempt(reg.id, contest.rounds[0].id, now)
    q = a.questions[0]
    saved = attempts.save_answer(a.id, reg.user_id, q.id, _wrong(q), now)
    assert saved.correct_option_id == _correct(q) and saved.explanation.startswith("Giải thích")


def test_counting_rule_picks_the_best_attempt(setup, now):
    _, rnd, reg = setup
    scores = []
    for i, right in enumerate([1, 3, 2]):
        a = attempts.start_attempt(reg.id, rnd.id, now + timedelta(minutes=i))
        for aq in a.questions[:right]:
            attempts.save_answer(a.id, reg.user_id, aq.id, _correct(aq), now + timedelta(minutes=i))
        scores.append(attempts.submit_attempt(a.id, reg.user_id, now + timedelta(minutes=i, seconds=20), prediction=1))
    st = attempts.standing(reg, rnd)
    assert st.counted_attempt_id == scores[1].attempt_id and st.attempts_left == 0


def test_a_refused_late_change_reports_the_answer_that_is_kept(setup, now):
    _, rnd, reg = setup
    a = attempts.start_attempt(reg.id, rnd.id, now)
    q = a.questions[0]
    attempts.save_answer(a.id, reg.user_id, q.id, _correct(q), now, client_seq=5)
    saved = attempts.save_answer(a.id, reg.user_id, q.id, _wrong(q), now, client_seq=3)  # from another device, older
    assert saved.option_id == _correct(q)


def test_draws_follow_bank_changes_at_once(setup, now):
    """Questions are cached per process, but a retired or edited question is never drawn afterwards."""
    from quizapp.models import Question
    from quizapp.services import bank

    contest, rnd, reg = setup
    first = attempts.candidate_questions()
    assert len(first) == 30
    retired = first[0].id
    bank.set_status(retired, "retired")
    assert retired not in {c.id for c in attempts.candidate_questions()}
    editable = db.session.get(Question, first[1].id)
    draft = bank.to_draft(editable)
    draft.options[0] = "Phương án đúng đã sửa"
    bank.edit_question(editable.id, draft)
    fresh = {c.id: c.option_ids for c in attempts.candidate_questions()}
    assert fresh[editable.id] == tuple(o.id for o in db.session.get(Question, editable.id).options)
