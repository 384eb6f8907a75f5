"""Timed attempts: start (draw and freeze), save answers, submit (once), close expired ones.

Integrity lives in the database: the registration row is locked while starting, the attempt row while
saving or submitting, and unique indexes (one attempt in progress; attempt numbers) back that up.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, func, select, text
from sqlalchemy.exc import IntegrityError

from quizapp.domain import draw, timing
from quizapp.domain.attempt_status import AttemptStatus
from quizapp.domain.counting import Entry, check_can_start, pick_entry
from quizapp.domain.errors import DomainError
from quizapp.domain.grading import grade
from quizapp.extensions import db
from quizapp.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    ContestTopic,
    DataRequest,
    Question,
    QuestionOption,
    Registration,
    Round,
    Topic,
    Track,
)
from quizapp.models.types import UTCDateTime
from quizapp.services import caches

# Aliases kept for callers that import them from here (the views, the simulation, the live helper).
IN_PROGRESS, SUBMITTED, EXPIRED = AttemptStatus.IN_PROGRESS, AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED


class AttemptError(DomainError):
    """A rule of attempts was broken (Vietnamese message, short code)."""


CONSENT_WITHDRAWN = ("Bạn đã rút lại sự đồng ý xử lý dữ liệu cá nhân và đề nghị xóa dữ liệu, nên không thể bắt đầu "
                     "lượt thi mới.")


# ---------------------------------------------------------------- starting


def round_is_open(rnd: Round, now: datetime) -> bool:
    return rnd.is_practice or timing.round_state(now, rnd.opens_at, rnd.closes_at) == timing.ROUND_OPEN


def start_attempt(registration_id: int, round_id: int, now: datetime, *, rng: random.Random | None = None,
                  device_token: str = "", client_ip: str = "") -> Attempt:
    """Start an attempt, or return the one already in progress (starting twice is safe)."""
    return _start_safely(Registration.id == registration_id, round_id, now, rng, device_token, client_ip)


def start_attempt_as(user_id: int, round_id: int, now: datetime, *, rng: random.Random | None = None,
                     device_token: str = "", client_ip: str = "") -> Attempt:
    """The same for the signed-in user's registration in the round's contest (found while it is locked)."""
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        raise AttemptError("Không tìm thấy đợt thi của bạn.", "not_found")
    return _start_safely((Registration.user_id == user_id) & (Registration.contest_id == rnd.contest_id), round_id, now,
                         rng, device_token, client_ip, not_registered=True)


def _start_safely(which, round_id, now, rng, device_token, client_ip, not_registered=False) -> Attempt:
    try:
        return _start(which, round_id, now, rng or random.SystemRandom(), device_token, client_ip, not_registered)
    except IntegrityError:
        # A parallel request won the race: the unique indexes refused the second attempt.
        db.session.rollback()
        reg_id = db.session.scalar(select(Registration.id).where(which))
        current = _in_progress(reg_id, round_id) if reg_id is not None else None
        if current is not None:
            return current
        raise AttemptError("Bạn đã dùng hết số lượt thi của đợt này.", "attempt_limit") from None


def _start(which, round_id, now, rng, device_token, client_ip, not_registered) -> Attempt:
    # FOR NO KEY UPDATE: serialises starts per contestant, yet lets attempts' foreign-key checks through. The same
    # read says whether its owner withdrew consent and which track it is in.
    withdrawn = select(DataRequest.id).where(DataRequest.user_id == Registration.user_id,
                                             DataRequest.kind == "deletion").exists()
    row = db.session.execute(
        select(Registration, withdrawn.label("withdrawn"), Track.code).outerjoin(Track, Track.id == Registration.track_id)
        .where(which).with_for_update(key_share=True, of=Registration)).first()
    if row is None and not_registered:
        raise AttemptError("Bạn chưa đăng ký cuộc thi này.", "not_registered")
    reg, is_withdrawn, track_code = row if row is not None else (None, False, None)
    rnd = db.session.get(Round, round_id)
    _check_may_start(reg, rnd, now, is_withdrawn)
    used, current_id = db.session.execute(
        select(func.count(), func.max(case((Attempt.status == IN_PROGRESS, Attempt.id))))
        .where(Attempt.registration_id == reg.id, Attempt.round_id == rnd.id)).one()
    if current_id is not None:
        current = db.session.get(Attempt, current_id)
        if not timing.is_expired(now, current.deadline_at):
            _claim_device(current, device_token)
            db.session.commit()
            return current
        current = _lock_attempt(current.id)  # a parallel submission may be finishing it: grade it once
        if current.status == IN_PROGRESS:
            _finish(current, now, expired=True)
        db.session.flush()
    check_can_start(used, rnd.attempts_allowed, has_in_progress=False)
    attempt = Attempt(
        round_id=rnd.id, registration_id=reg.id, number=used + 1, status=IN_PROGRESS, started_at=now,
        deadline_at=timing.attempt_deadline(now, rnd.time_limit_seconds, rnd.closes_at),
        device_token=device_token[:64], client_ip=client_ip[:64], correct=None, total=0, score=None,
        duration_ms=None, prediction=None, submitted_at=None, disqualified=False,
    )
    attempt.round = rnd
    attempt.questions = [
        AttemptQuestion(question_id=d.question_id, position=d.position, option_order=list(d.option_order))
        for d in _draw(rnd, track_code or "", rng)
    ]
    db.session.add(attempt)
    _commit_keeping()
    return attempt


def _commit_keeping() -> None:
    """Commit without expiring what this transaction just wrote: the response is built from it, not reloaded."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _check_may_start(reg: Registration | None, rnd: Round | None, now: datetime, withdrawn: bool = False) -> None:
    if reg is None or rnd is None or rnd.contest_id != reg.contest_id:
        raise AttemptError("Không tìm thấy đợt thi của bạn.", "not_found")
    if reg.status != "active":
        raise AttemptError("Tài khoản dự thi của bạn đang bị tạm dừng. Vui lòng liên hệ ban tổ chức.", "disqualified")
    if withdrawn:
        raise AttemptError(CONSENT_WITHDRAWN, "consent_withdrawn")
    if not round_is_open(rnd, now):
        if now < rnd.opens_at:
            raise AttemptError("Đợt thi chưa mở. Vui lòng quay lại khi đợt thi bắt đầu.", "round_not_open")
        raise AttemptError("Đợt thi đã kết thúc.", "round_closed")


def _in_progress(registration_id: int, round_id: int) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(
        Attempt.registration_id == registration_id, Attempt.round_id == round_id, Attempt.status == IN_PROGRESS))


def _draw(rnd: Round, track_code: str, rng: random.Random) -> list[draw.DrawnQuestion]:
    blueprint = draw.parse_blueprint((rnd.track_blueprints or {}).get(track_code) or rnd.blueprint or [])
    return draw.draw_questions(round_candidates(rnd), blueprint, rnd.question_count, rng)


def round_candidates(rnd: Round) -> list[draw.CandidateQuestion]:
    """The questions this round may draw: the contest's topics for ranked rounds, or its practice set."""
    use = "practice" if rnd.is_practice else "ranked"
    slugs = _question_set(rnd.contest_id, use)
    if not slugs:
        raise AttemptError("Ban Tổ chức chưa chọn bộ câu hỏi cho " + ("vòng thi thử." if rnd.is_practice
                                                                      else "các đợt thi."), "no_question_set")
    return [c for c in candidate_questions() if c.topic in slugs]


# How long a process trusts its copy of the bank and of each contest's question sets before it checks them again
# (BANK_RECHECK_SECONDS; create_app sets it, 0 in tests). A few seconds keep thousands of starts in the minute a
# round opens from each reading the whole bank's fingerprint; a question retired in that time can still be drawn
# by a start in those seconds (it was current a moment before, and the attempt keeps the version it drew).
BANK_RECHECK_SECONDS = 2.0


@dataclass
class QuestionText:
    """What an attempt shows of a question it drew, and what the reveal adds; drawn questions never change."""

    text: str
    options: dict[int, tuple[str, bool]]  # option id -> (text, is correct)
    explanation: str
    source: str


@dataclass
class _BankCopy:
    fingerprint: tuple
    candidates: list[draw.CandidateQuestion]
    checked_at: float
    texts: dict[int, QuestionText] = field(default_factory=dict)  # filled as attempts show questions
    question_sets: dict[tuple[int, str], tuple[frozenset, float]] = field(default_factory=dict)


_candidates: dict[str, _BankCopy] = caches.bank  # per database, for this process (services/caches.py)
MAX_CACHED_TEXTS = 50_000


def _bank_key() -> str:
    return db.engine.url.render_as_string(hide_password=True)


def _question_set(contest_id: int, use: str) -> frozenset:
    copy = _candidates.get(_bank_key())
    cached = copy.question_sets.get((contest_id, use)) if copy else None
    if cached is not None and time.monotonic() - cached[1] < BANK_RECHECK_SECONDS:
        return cached[0]
    slugs = frozenset(db.session.scalars(select(Topic.slug).join(ContestTopic, ContestTopic.topic_id == Topic.id)
                                         .where(ContestTopic.contest_id == contest_id, ContestTopic.use == use)))
    if copy is not None:
        copy.question_sets[(contest_id, use)] = (slugs, time.monotonic())
    return slugs


def candidate_questions() -> list[draw.CandidateQuestion]:
    """Every active question with its topic and option ids, kept per process while the bank is unchanged.

    Every start needs them; loading the whole bank each time dominated a start (see bench/RESULTS.md). A cheap
    fingerprint of the active options (count, max and sum of ids) changes with every import, edit, retirement or
    restoration, since edits always write new option rows; the newest question's creation time tells a database
    that was emptied and refilled (ids reused) from the one before. It is read again after BANK_RECHECK_SECONDS.
    """
    key = _bank_key()
    cached = _candidates.get(key)
    if cached is not None and time.monotonic() - cached.checked_at < BANK_RECHECK_SECONDS:
        return cached.candidates
    fingerprint = tuple(db.session.execute(
        select(func.count(QuestionOption.id), func.max(QuestionOption.id), func.sum(QuestionOption.id),
               func.max(Question.created_at))
        .join(Question).where(Question.status == "active")
    ).one())
    if cached is not None and cached.fingerprint == fingerprint:
        cached.checked_at = time.monotonic()
        return cached.candidates
    rows = db.session.execute(
        select(Question.id, Topic.slug, Question.difficulty).join(Topic).where(Question.status == "active")
    ).all()
    options: dict[int, list[int]] = {}
    for qid, oid in db.session.execute(
        select(QuestionOption.question_id, QuestionOption.id)
        .join(Question).where(Question.status == "active").order_by(QuestionOption.question_id, QuestionOption.position)
    ):
        options.setdefault(qid, []).append(oid)
    result = [draw.CandidateQuestion(qid, slug, diff, tuple(options.get(qid, ()))) for qid, slug, diff in rows]
    _candidates[key] = _BankCopy(fingerprint, result, time.monotonic())
    return result


def question_texts(question_ids: list[int]) -> dict[int, QuestionText]:
    """The texts of questions drawn in attempts, from this process's copy where it has them (they never change
    once drawn: an edit makes a new version), else read in two queries and kept."""
    copy = _candidates.get(_bank_key())
    known = copy.texts if copy is not None else {}
    out = {qid: known[qid] for qid in question_ids if qid in known}
    missing = [qid for qid in question_ids if qid not in out]
    if missing:
        rows = db.session.execute(select(Question.id, Question.text, Question.explanation, Question.source)
                                  .where(Question.id.in_(missing))).all()
        options: dict[int, dict[int, tuple[str, bool]]] = {qid: {} for qid in missing}
        for qid, oid, text_, correct in db.session.execute(
                select(QuestionOption.question_id, QuestionOption.id, QuestionOption.text, QuestionOption.is_correct)
                .where(QuestionOption.question_id.in_(missing))):
            options[qid][oid] = (text_, correct)
        for qid, text_, explanation, source in rows:
            out[qid] = QuestionText(text_, options[qid], explanation, source)
        if copy is not None:
            if len(known) > MAX_CACHED_TEXTS:
                known.clear()
            known.update((qid, out[qid]) for qid, *_ in rows)
    return out


def _claim_device(attempt: Attempt, device_token: str) -> None:
    """Rounds held by one device at a time hand the attempt over to the device that opens it."""
    if device_token and attempt.round.single_device:
        attempt.device_token = device_token[:64]


def open_attempt(attempt_id: int, user_id: int, now: datetime, device_token: str = "") -> Attempt:
    """The user's attempt, opened on this device: in a single-device round, this device now holds it."""
    attempt = get_attempt(attempt_id, user_id, now)
    if (attempt.status == IN_PROGRESS and attempt.round.single_device and device_token
            and attempt.device_token != device_token[:64]):
        attempt = _lock_attempt(attempt.id)
        if attempt.status == IN_PROGRESS:
            _claim_device(attempt, device_token)
        db.session.commit()
    return attempt


def holds_attempt(attempt: Attempt, device_token: str) -> bool:
    """False when a single-device attempt was opened on another device since this one opened it."""
    return not (attempt.round.single_device and attempt.device_token and device_token
                and device_token[:64] != attempt.device_token)


# ---------------------------------------------------------------- reading


@dataclass
class ShownOption:
    """An option as this attempt shows it. `id` is its place in this attempt's order (1, 2, ...): the bank's own
    option ids never leave the server, so they cannot tell which option was written first or is correct."""

    id: int
    text: str


@dataclass
class ShownQuestion:
    """A question as this attempt shows it; `correct_option_id` only once it may be revealed."""

    attempt_question_id: int
    position: int
    text: str
    options: list[ShownOption]
    chosen_option_id: int | None = None
    correct_option_id: int | None = None
    explanation: str = ""
    source: str = ""


@dataclass
class AttemptView:
    attempt: Attempt
    questions: list[ShownQuestion]
    time_left_seconds: int
    reveal: bool  # correct answers may be shown (round closed, or practice after each answer)
    answered: int = 0
    prediction_question: str = ""
    needs_prediction: bool = False
    extra: dict = field(default_factory=dict)


def get_attempt(attempt_id: int, user_id: int, now: datetime) -> Attempt:
    """The user's own attempt; an expired one is closed on access."""
    attempt = db.session.scalar(
        select(Attempt).join(Registration).where(Attempt.id == attempt_id, Registration.user_id == user_id)
    )
    if attempt is None:
        raise AttemptError("Không tìm thấy bài thi.", "not_found")
    if attempt.status == IN_PROGRESS and timing.is_expired(now, attempt.deadline_at):
        attempt = _lock_attempt(attempt.id)
        if attempt.status == IN_PROGRESS:
            _finish(attempt, now, expired=True)
        db.session.commit()
    return attempt


def answers_revealed(attempt: Attempt, now: datetime) -> bool:
    """Which answers were right is shown only after the round closes (practice: after each answer)."""
    rnd = attempt.round
    return rnd.is_practice or now >= rnd.closes_at


def view_attempt(attempt: Attempt, now: datetime, *, answers: dict[int, int] | None = None) -> AttemptView:
    """Everything the attempt page shows, in the order this attempt shows it (`answers`: already known, e.g. none
    for an attempt just started)."""
    aqs = list(attempt.questions)
    texts = question_texts([aq.question_id for aq in aqs])
    chosen = answers if answers is not None else dict(db.session.execute(
        select(Answer.attempt_question_id, Answer.option_id).where(Answer.attempt_id == attempt.id)).all())
    rnd = attempt.round
    reveal_all = attempt.status != IN_PROGRESS and answers_revealed(attempt, now)
    shown = []
    for aq in aqs:
        q = texts[aq.question_id]
        sq = ShownQuestion(aq.id, aq.position, q.text,
                           [ShownOption(n, q.options[oid][0]) for n, oid in enumerate(aq.option_order, 1)],
                           shown_option(aq, chosen.get(aq.id)))
        if reveal_all or (rnd.is_practice and sq.chosen_option_id):
            sq.correct_option_id = shown_option(aq, next(oid for oid in aq.option_order if q.options[oid][1]))
            sq.explanation, sq.source = q.explanation, q.source
        shown.append(sq)
    return AttemptView(
        attempt, shown, timing.time_left_seconds(now, attempt.deadline_at), reveal_all, len(chosen),
        rnd.prediction_question if rnd.prediction_mode else "", bool(rnd.prediction_mode),
    )


def shown_option(aq: AttemptQuestion, option_id: int | None) -> int | None:
    """The number an option has in this attempt (1-based), from the bank's option id."""
    return aq.option_order.index(option_id) + 1 if option_id in aq.option_order else None


# ---------------------------------------------------------------- answering


@dataclass
class SavedAnswer:
    """A stored answer; options are numbered as this attempt shows them."""

    attempt_question_id: int
    option_id: int
    correct_option_id: int | None = None  # practice rounds only
    explanation: str = ""
    source: str = ""


def _lock_attempt(attempt_id: int) -> Attempt:
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.id == attempt_id).with_for_update().execution_options(populate_existing=True))
    if attempt is None:
        raise AttemptError("Không tìm thấy bài thi.", "not_found")
    return attempt


def save_answer(attempt_id: int, user_id: int, attempt_question_id: int, option: int, now: datetime,
                client_seq: int = 0, device_token: str = "") -> SavedAnswer:
    """Save (or change) one answer: `option` is its number in this attempt (1-based). Late answers, foreign
    questions and options outside the question are refused."""
    get_attempt(attempt_id, user_id, now)  # ownership, and closes it if expired
    attempt = _lock_attempt(attempt_id)
    try:
        _check_answer_allowed(attempt, now, device_token)
        aq = _attempt_question(attempt, attempt_question_id, option)
        stored = _upsert_answer(attempt, aq, aq.option_order[option - 1], now, client_seq)
        saved = SavedAnswer(aq.id, shown_option(aq, stored))
        if attempt.round.is_practice:
            q = db.session.get(Question, aq.question_id)
            saved.correct_option_id = shown_option(aq, q.correct_option.id)
            saved.explanation, saved.source = q.explanation, q.source
        db.session.commit()
        return saved
    except DomainError:
        db.session.rollback()
        raise


# The common case of a save in one statement and one round trip: the attempt is this user's (an active account), in
# progress, within its deadline plus grace, held by this device, and the question and option are this attempt's.
# The lock on the attempt row (FOR KEY SHARE, the one the answer's foreign key takes anyway) waits for a submission
# or a closing in progress, and PostgreSQL then checks the conditions again on the row as it was left: nothing is
# stored after an attempt was graded. Saves of one attempt do not wait for each other. When the statement stores
# nothing (a rule refuses, or a newer choice is stored), save_answer takes the full path and says why.
_FAST_SAVE = """
WITH target AS (
    SELECT a.id AS attempt_id, aq.id AS aq_id, {option_at} AS option_id
    FROM attempt a
    JOIN registration r ON r.id = a.registration_id
    JOIN user_account u ON u.id = r.user_id
    JOIN round rd ON rd.id = a.round_id
    JOIN attempt_question aq ON aq.attempt_id = a.id
    WHERE a.id = :attempt_id AND aq.id = :aq_id AND r.user_id = :user_id AND u.is_active_account
      AND a.status = '{in_progress}' AND a.deadline_at >= :cutoff AND rd.kind <> 'practice'
      AND (NOT rd.single_device OR a.device_token = '' OR :device = '' OR a.device_token = :device)
      AND :option BETWEEN 1 AND json_array_length(aq.option_order)
    {lock}
)
INSERT INTO answer (attempt_id, attempt_question_id, option_id, answered_at, client_seq)
SELECT attempt_id, aq_id, option_id, :now, :seq FROM target WHERE true  -- (SQLite: an upsert after a SELECT needs a WHERE)
ON CONFLICT (attempt_id, attempt_question_id) DO UPDATE
    SET option_id = excluded.option_id, answered_at = excluded.answered_at, client_seq = excluded.client_seq
    WHERE excluded.client_seq = 0 OR excluded.client_seq >= answer.client_seq
RETURNING option_id
"""
_FAST_SAVE_SQL = {
    "postgresql": _FAST_SAVE.format(option_at="(aq.option_order ->> (:option - 1))::int", lock="FOR KEY SHARE OF a",
                                    in_progress=AttemptStatus.IN_PROGRESS.value),
    "sqlite": _FAST_SAVE.format(option_at="json_extract(aq.option_order, '$[' || (:option - 1) || ']')", lock="",
                                in_progress=AttemptStatus.IN_PROGRESS.value),
}
_fast_statements: dict[str, object] = {}


def _fast_save_statement():
    dialect = db.engine.dialect.name
    stmt = _fast_statements.get(dialect)
    if stmt is None and dialect in _FAST_SAVE_SQL:
        stmt = text(_FAST_SAVE_SQL[dialect]).bindparams(
            bindparam("now", type_=UTCDateTime), bindparam("cutoff", type_=UTCDateTime))
        _fast_statements[dialect] = stmt
    return stmt


def try_fast_save(attempt_id: int, user_id: int, attempt_question_id: int, option: int, now: datetime,
                  client_seq: int = 0, device_token: str = "") -> SavedAnswer | None:
    """Store the answer with one guarded statement and commit; None when it stored nothing (then save_answer)."""
    stmt = _fast_save_statement()
    if stmt is None or not 1 <= option <= 64:
        return None
    # The statement is its own transaction (autocommit): one round trip, no BEGIN and COMMIT of their own; it is
    # committed (and, with synchronous_commit on, durable) before the answer is acknowledged.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        stored = conn.execute(stmt, {
            "attempt_id": attempt_id, "aq_id": attempt_question_id, "user_id": user_id, "option": option,
            "now": now, "cutoff": now - timedelta(seconds=timing.GRACE_SECONDS), "device": device_token[:64],
            "seq": client_seq}).scalar()
    return None if stored is None else SavedAnswer(attempt_question_id, option)


def _check_answer_allowed(attempt: Attempt, now: datetime, device_token: str) -> None:
    if attempt.status == EXPIRED or (attempt.status == IN_PROGRESS and not timing.accepts_answer(now, attempt.deadline_at)):
        raise AttemptError("Đã hết thời gian làm bài; câu trả lời này không được ghi nhận.", "time_up")
    if attempt.status != IN_PROGRESS:
        raise AttemptError("Bài thi đã nộp, không thể thay đổi câu trả lời.", "attempt_closed")
    check_device(attempt, device_token)


def check_device(attempt: Attempt, device_token: str) -> None:
    """Refuse a device that no longer holds a single-device attempt (it was opened elsewhere since)."""
    if not holds_attempt(attempt, device_token):
        raise AttemptError("Bài thi đang được mở trên một thiết bị khác; thiết bị này không còn giữ bài thi. "
                           "Tải lại trang nếu bạn muốn tiếp tục làm bài trên thiết bị này.", "device_replaced")


def _attempt_question(attempt: Attempt, attempt_question_id: int, option: int) -> AttemptQuestion:
    aq = db.session.scalar(select(AttemptQuestion).where(
        AttemptQuestion.id == attempt_question_id, AttemptQuestion.attempt_id == attempt.id))
    if aq is None:
        raise AttemptError("Câu hỏi này không thuộc bài thi của bạn.", "invalid_question")
    if not 1 <= option <= len(aq.option_order):
        raise AttemptError("Phương án này không thuộc câu hỏi.", "invalid_option")
    return aq


def _upsert_answer(attempt: Attempt, aq: AttemptQuestion, option_id: int, now: datetime, client_seq: int) -> int:
    """Store the choice unless a newer one is stored; returns the option that is stored now."""
    answer = db.session.scalar(select(Answer).where(Answer.attempt_id == attempt.id, Answer.attempt_question_id == aq.id))
    if answer is None:
        db.session.add(Answer(attempt_id=attempt.id, attempt_question_id=aq.id, option_id=option_id,
                              answered_at=now, client_seq=client_seq))
    elif client_seq == 0 or client_seq >= answer.client_seq:
        # A change queued offline earlier than the stored one must not overwrite it when it arrives late.
        answer.option_id, answer.answered_at, answer.client_seq = option_id, now, client_seq
    else:
        return answer.option_id
    return option_id


# ---------------------------------------------------------------- submitting


@dataclass
class AttemptResult:
    attempt_id: int
    status: str
    correct: int
    total: int
    score: float
    duration_ms: int
    submitted_at: datetime
    prediction: int | None


# A prediction counts people (perfect scores, participants): a billion is more than the country's population,
# and the bound keeps a typed 2^63 out of the BigInteger column and out of the prediction-error arithmetic.
MAX_PREDICTION = 1_000_000_000
PREDICTION_RANGE_MESSAGE = "Số dự đoán phải là một số nguyên từ 0 đến 1.000.000.000."


def submit_attempt(attempt_id: int, user_id: int, now: datetime, prediction: int | None = None,
                   require_prediction: bool = True, device_token: str = "") -> AttemptResult:
    """Grade and close the attempt once; repeating the submission returns the same result."""
    get_attempt(attempt_id, user_id, now)
    attempt = _lock_attempt(attempt_id)
    if attempt.status == IN_PROGRESS:
        if not holds_attempt(attempt, device_token):
            db.session.rollback()
            check_device(attempt, device_token)
        if prediction is not None and prediction < 0:
            db.session.rollback()
            raise AttemptError("Số dự đoán phải là số nguyên không âm.", "invalid_prediction")
        if prediction is not None and prediction > MAX_PREDICTION:
            db.session.rollback()
            raise AttemptError(PREDICTION_RANGE_MESSAGE, "invalid_prediction")
        if attempt.round.prediction_mode and prediction is None and require_prediction:
            db.session.rollback()
            raise AttemptError("Vui lòng trả lời câu hỏi dự đoán trước khi nộp bài.", "prediction_required")
        attempt.prediction = prediction
        _finish(attempt, now, expired=False)
    db.session.commit()
    return result_of(attempt)


def _finish(attempt: Attempt, now: datetime, expired: bool) -> None:
    """Grade against the frozen draw and close. Expired attempts end at their deadline."""
    correct_by_aq = dict(db.session.execute(
        select(AttemptQuestion.id, QuestionOption.id)
        .join(QuestionOption, QuestionOption.question_id == AttemptQuestion.question_id)
        .where(AttemptQuestion.attempt_id == attempt.id, QuestionOption.is_correct)
    ).all())
    chosen = dict(db.session.execute(
        select(Answer.attempt_question_id, Answer.option_id).where(Answer.attempt_id == attempt.id)).all())
    result = grade(correct_by_aq, {aq: chosen.get(aq) for aq in correct_by_aq})
    ended = min(now, attempt.deadline_at)
    attempt.correct, attempt.total, attempt.score = result.correct, result.total, result.score
    attempt.duration_ms = max(0, int((ended - attempt.started_at) / timedelta(milliseconds=1)))
    attempt.submitted_at = ended if expired else now
    attempt.status = EXPIRED if expired else SUBMITTED
    from quizapp.services import events

    events.attempt_finished(attempt)


def result_of(attempt: Attempt) -> AttemptResult:
    return AttemptResult(attempt.id, attempt.status, attempt.correct or 0, attempt.total, attempt.score or 0.0,
                         attempt.duration_ms or 0, attempt.submitted_at, attempt.prediction)


def close_expired(now: datetime, batch: int = 500) -> int:
    """Close every attempt whose deadline plus grace has passed; returns how many."""
    cutoff = now - timedelta(seconds=timing.GRACE_SECONDS)
    closed = 0
    while True:
        ids = list(db.session.scalars(
            select(Attempt.id).where(Attempt.status == IN_PROGRESS, Attempt.deadline_at < cutoff).limit(batch)))
        if not ids:
            return closed
        for attempt_id in ids:
            attempt = _lock_attempt(attempt_id)
            if attempt.status == IN_PROGRESS:
                _finish(attempt, now, expired=True)
                closed += 1
            db.session.commit()


# ---------------------------------------------------------------- a contestant's rounds


@dataclass
class RoundStanding:
    """One contestant's attempts at a round and which one counts."""

    round: Round
    attempts: list[Attempt]
    counted_attempt_id: int | None
    in_progress: Attempt | None
    attempts_left: int | None


def standing(reg: Registration, rnd: Round) -> RoundStanding:
    attempts = list(db.session.scalars(
        select(Attempt).where(Attempt.registration_id == reg.id, Attempt.round_id == rnd.id).order_by(Attempt.number)))
    finished = [a for a in attempts if a.status != IN_PROGRESS]
    entry = pick_entry([to_entry(a, reg.id) for a in finished if not a.disqualified], rnd.counting_rule) if finished else None
    left = None if rnd.attempts_allowed is None else max(0, rnd.attempts_allowed - len(attempts))
    current = next((a for a in attempts if a.status == IN_PROGRESS), None)
    return RoundStanding(rnd, attempts, entry.attempt_id if entry else None, current, left)


def to_entry(a: Attempt, contestant_id: int) -> Entry:
    return Entry(a.id, contestant_id, a.correct or 0, a.total, a.duration_ms or 0, a.submitted_at, a.prediction,
                 a.disqualified)
