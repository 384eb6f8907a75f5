"""Review of entries: finding likely duplicates and suspicious signs, and the organiser's decisions on them.

Nothing here acts on its own: a scan only adds items to the review queues; an organiser merges, disqualifies,
restores or clears, with a reason, and every decision goes to the audit log.

Source of truth: `Registration.status` says whether an entry takes part. Disqualifying an entry also sets
`Attempt.disqualified` on every attempt of it (the one in progress too, and it stays set when that attempt
is finished), and restoring clears them, so a ranking may read either. Nothing else sets
`Attempt.disqualified`. Starting an attempt locks the registration row, and so does a decision here, so an
attempt can never start between the two.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from quizapp.domain import flags as rules
from quizapp.domain import identity
from quizapp.domain.attempt_status import AttemptStatus
from quizapp.domain.errors import DomainError
from quizapp.domain.review import SCAN_FLAG_LABELS
from quizapp.extensions import db
from quizapp.models import (
    Answer,
    Area,
    Attempt,
    AttemptQuestion,
    Contest,
    DuplicateCandidate,
    QuestionOption,
    Registration,
    ReviewFlag,
    Round,
    User,
)
from quizapp.services import access, audit, events

MERGE_REASON = "trùng người"
DUPLICATE_STATUS_LABELS = {"open": "Chờ xem xét", "merged": "Đã gộp", "disqualified": "Đã loại",
                           "cleared": "Không trùng"}
FLAG_STATUS_LABELS = {"open": "Chờ xem xét", "cleared": "Đã bỏ qua", "confirmed": "Đã xác nhận"}


class ReviewError(DomainError):
    """A review action that cannot be done (Vietnamese message)."""


# ---------------------------------------------------------------- who sees what


def require_decider(actor: User | None, contest_id: int) -> None:
    """A signed-in actor must be an organiser of the contest (or an admin); None is the command line."""
    if actor is None:
        return
    try:
        access.require(actor, contest_id, decide=True)
    except access.AccessError as e:
        raise ReviewError("Chỉ Ban Tổ chức được ra quyết định về bài dự thi." if e.code == "forbidden"
                          else e.message, e.code) from None


def visible_registration(viewer: access.Access, registration_id: int) -> Registration | None:
    """The entry if this staff member may see it, else None."""
    return db.session.scalar(select(Registration).where(Registration.id == registration_id,
                                                        access.registration_condition(viewer)))


# ---------------------------------------------------------------- scanning


@dataclass
class ScanReport:
    duplicates: int = 0
    flags: dict[str, int] = field(default_factory=lambda: {k: 0 for k in SCAN_FLAG_LABELS})

    @property
    def summary(self) -> str:
        found = ", ".join(f"{SCAN_FLAG_LABELS[k].lower()}: {n}" for k, n in self.flags.items() if n) or "không có cảnh báo mới"
        return f"Đã quét: {self.duplicates} cặp nghi trùng người mới; {found}."


def scan(contest: Contest, now: datetime, thresholds: rules.Thresholds = rules.DEFAULT) -> ScanReport:
    """Find likely duplicates and suspicious signs; adds only what is new, so running it again changes nothing."""
    db.session.scalar(select(Contest.id).where(Contest.id == contest.id).with_for_update())  # one scan at a time
    report = ScanReport(duplicates=_scan_duplicates(contest, now))
    known = set(db.session.scalars(select(ReviewFlag.key).where(ReviewFlag.contest_id == contest.id)))
    for flag in _fast_flags(contest, thresholds) + _burst_flags(contest, thresholds) + _same_answer_flags(contest, thresholds):
        if flag.key not in known:
            known.add(flag.key)
            flag.contest_id, flag.found_at = contest.id, now
            db.session.add(flag)
            report.flags[flag.kind] += 1
    db.session.commit()
    return report


def _scan_duplicates(contest: Contest, now: datetime) -> int:
    rows = db.session.execute(
        select(Registration.id, User.full_name, User.birth_date, User.cccd, User.phone, Area.code)
        .join(User, Registration.user_id == User.id).outerjoin(Area, Registration.area_id == Area.id)
        .where(Registration.contest_id == contest.id)
    ).all()
    people = [identity.PersonKey(rid, name, born, cccd or "", phone or "", code)
              for rid, name, born, cccd, phone, code in rows if born is not None]
    known = {(a, b) for a, b in db.session.execute(
        select(DuplicateCandidate.registration_a_id, DuplicateCandidate.registration_b_id)
        .where(DuplicateCandidate.contest_id == contest.id))}
    added = 0
    for a, b, reason in identity.likely_duplicates(people):
        if (a, b) not in known:
            db.session.add(DuplicateCandidate(contest_id=contest.id, registration_a_id=a, registration_b_id=b,
                                              reason=reason, found_at=now))
            added += 1
    return added


def _ranked_rounds(contest: Contest) -> list[int]:
    return list(db.session.scalars(select(Round.id).where(Round.contest_id == contest.id, Round.kind != "practice")))


def _fast_flags(contest: Contest, t: rules.Thresholds) -> list[ReviewFlag]:
    rows = db.session.execute(
        select(Attempt.id, Attempt.registration_id, Attempt.total, Attempt.correct, Attempt.duration_ms)
        .where(Attempt.round_id.in_(_ranked_rounds(contest)), Attempt.status == AttemptStatus.SUBMITTED,
               Attempt.duration_ms < Attempt.total * (t.fast_seconds_per_question * 1000))
    ).all()
    out = []
    for aid, rid, total, correct, duration in rows:
        reason = rules.too_fast(rules.FinishedAttempt(aid, rid, total, correct or 0, duration or 0), t)
        if reason:
            out.append(ReviewFlag(kind="fast_attempt", key=f"fast_attempt:{aid}", registration_id=rid, attempt_id=aid,
                                  detail=reason))
    return out


def _burst_flags(contest: Contest, t: rules.Thresholds) -> list[ReviewFlag]:
    rows = db.session.execute(select(Registration.id, Registration.created_at, Registration.device_id,
                                     Registration.registered_ip).where(Registration.contest_id == contest.id)).all()
    entries = [rules.NewEntry(rid, at, device or "", ip or "") for rid, at, device, ip in rows]
    out = []
    for burst in rules.registration_bursts(entries, t):
        for rid in burst.registration_ids:
            out.append(ReviewFlag(kind=burst.kind, key=f"{burst.kind}:{rid}", registration_id=rid,
                                  detail=burst.describe()))
    return out


def _same_answer_flags(contest: Contest, t: rules.Thresholds) -> list[ReviewFlag]:
    out = []
    for round_id in _ranked_rounds(contest):
        attempts = {aid: (rid, started, duration) for aid, rid, started, duration in db.session.execute(
            select(Attempt.id, Attempt.registration_id, Attempt.started_at, Attempt.duration_ms)
            .where(Attempt.round_id == round_id, Attempt.status != AttemptStatus.IN_PROGRESS))}
        choices: dict[int, dict[int, int]] = defaultdict(dict)
        wrong: dict[int, set[int]] = defaultdict(set)
        times: dict[int, list[int]] = defaultdict(list)
        for aid, qid, oid, right, at in db.session.execute(
                select(Answer.attempt_id, AttemptQuestion.question_id, Answer.option_id, QuestionOption.is_correct,
                       Answer.answered_at)
                .join(AttemptQuestion, Answer.attempt_question_id == AttemptQuestion.id)
                .join(QuestionOption, Answer.option_id == QuestionOption.id)
                .join(Attempt, Answer.attempt_id == Attempt.id)
                .where(Attempt.round_id == round_id, Attempt.status != AttemptStatus.IN_PROGRESS)):
            choices[aid][qid] = oid
            if not right:
                wrong[aid].add(qid)
            times[aid].append(int((at - attempts[aid][1]) / timedelta(milliseconds=1)))
        traces = [rules.AnswerTrace(aid, rid, started, duration or 0, choices[aid], frozenset(wrong[aid]),
                                    tuple(sorted(times[aid])))
                  for aid, (rid, started, duration) in attempts.items() if choices.get(aid)]
        for a, b, reason in rules.same_answers(traces, t):
            out.append(ReviewFlag(kind="same_answers", key=f"same_answers:{a}:{b}", registration_id=attempts[a][0],
                                  attempt_id=a, other_registration_id=attempts[b][0], other_attempt_id=b,
                                  detail=reason))
    return out


# ---------------------------------------------------------------- decisions on an entry


def _contest_of(registration_id: int) -> int:
    contest_id = db.session.scalar(select(Registration.contest_id).where(Registration.id == registration_id))
    if contest_id is None:
        raise ReviewError("Không tìm thấy bài dự thi.", "not_found")
    return contest_id


def _locked_registration(registration_id: int) -> Registration:
    # FOR NO KEY UPDATE, as start_attempt: a submit's foreign-key check on this row must not deadlock with it.
    reg = db.session.scalar(select(Registration).where(Registration.id == registration_id).with_for_update(key_share=True)
                            .execution_options(populate_existing=True))
    if reg is None:
        raise ReviewError("Không tìm thấy bài dự thi.", "not_found")
    return reg


def _set_status(reg: Registration, status: str, reason: str, duplicate_of_id: int | None) -> None:
    reg.status, reg.status_reason, reg.duplicate_of_id = status, reason, duplicate_of_id
    db.session.execute(update(Attempt).where(Attempt.registration_id == reg.id)
                       .values(disqualified=(status == "disqualified")))
    events.entry_status_changed(reg)


def disqualify(registration_id: int, actor: User | None, now: datetime, reason: str, *,
               duplicate_of_id: int | None = None, commit: bool = True) -> Registration:
    """Take an entry out of the contest (its attempts never rank), with a reason; logged.

    `actor` None is the command line (trusted; logged as «Hệ thống»); a signed-in user must be an organiser.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("Vui lòng ghi lý do loại bài dự thi.", "reason_required")
    require_decider(actor, _contest_of(registration_id))
    reg = _locked_registration(registration_id)
    if reg.status == "disqualified":
        raise ReviewError("Bài dự thi này đã bị loại trước đó.", "already_disqualified")
    before = audit.entry_snapshot(reg)
    _set_status(reg, "disqualified", reason, duplicate_of_id)
    action = "entry.merge" if duplicate_of_id else "entry.disqualify"
    audit.record(action, actor, now, registration=reg, before=_standing(before), after=_standing(audit.entry_snapshot(reg)),
                 reason=reason)
    if commit:
        db.session.commit()
    return reg


def restore(registration_id: int, actor: User | None, now: datetime, reason: str) -> Registration:
    """Undo a disqualification (its attempts count again); a merge it came from goes back to the queue."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("Vui lòng ghi lý do khôi phục.", "reason_required")
    require_decider(actor, _contest_of(registration_id))
    reg = _locked_registration(registration_id)
    if reg.status != "disqualified":
        raise ReviewError("Bài dự thi này đang hợp lệ, không cần khôi phục.", "not_disqualified")
    before = audit.entry_snapshot(reg)
    _set_status(reg, "active", "", None)
    db.session.execute(
        update(DuplicateCandidate)
        .where(or_(DuplicateCandidate.registration_a_id == reg.id, DuplicateCandidate.registration_b_id == reg.id),
               DuplicateCandidate.status.in_(("merged", "disqualified")))
        .values(status="open", kept_registration_id=None, resolved_by_id=None, resolved_at=None))
    audit.record("entry.restore", actor, now, registration=reg, before=_standing(before),
                 after=_standing(audit.entry_snapshot(reg)), reason=reason)
    db.session.commit()
    return reg


def _standing(snapshot: dict) -> dict:
    return {k: snapshot[k] for k in ("status", "status_reason", "duplicate_of_id")}


# ---------------------------------------------------------------- the duplicate queue


def _locked_open_candidate(candidate_id: int, actor: User) -> DuplicateCandidate:
    cand = db.session.scalar(select(DuplicateCandidate).where(DuplicateCandidate.id == candidate_id).with_for_update()
                             .execution_options(populate_existing=True))
    if cand is None:
        raise ReviewError("Không tìm thấy cặp nghi trùng.", "not_found")
    require_decider(actor, cand.contest_id)
    if cand.status != "open":
        raise ReviewError("Cặp này đã được xử lý trước đó.", "already_resolved")
    return cand


def _close(cand: DuplicateCandidate, status: str, actor: User, now: datetime, note: str, kept: int | None = None):
    cand.status, cand.kept_registration_id = status, kept
    cand.resolved_by_id, cand.resolved_at, cand.note = actor.id, now, note


def merge(candidate_id: int, keep_registration_id: int, actor: User, now: datetime, note: str = "") -> Registration:
    """Keep one entry; the other is disqualified as «trùng người», pointing at the kept one. Returns the kept one."""
    cand = _locked_open_candidate(candidate_id, actor)
    pair = (cand.registration_a_id, cand.registration_b_id)
    if keep_registration_id not in pair:
        raise ReviewError("Hãy chọn một trong hai bài dự thi để giữ lại.", "invalid_choice")
    other = pair[1] if keep_registration_id == pair[0] else pair[0]
    kept = db.session.get(Registration, keep_registration_id)
    if kept.status != "active":
        raise ReviewError("Bài dự thi được chọn giữ lại đang bị loại; hãy khôi phục nó trước.", "kept_disqualified")
    reason = MERGE_REASON + (f": {note.strip()}" if note and note.strip() else "")
    if db.session.get(Registration, other).status != "disqualified":  # already out through another pair
        disqualify(other, actor, now, reason, duplicate_of_id=keep_registration_id, commit=False)
    _close(cand, "merged", actor, now, note, kept=keep_registration_id)
    db.session.commit()
    return kept


def disqualify_pair(candidate_id: int, registration_ids: list[int], actor: User, now: datetime, reason: str) -> None:
    """Disqualify one or both entries of a pair (for example, someone registered with another person's data)."""
    cand = _locked_open_candidate(candidate_id, actor)
    chosen = [r for r in (cand.registration_a_id, cand.registration_b_id) if r in registration_ids]
    if not chosen:
        raise ReviewError("Hãy chọn bài dự thi cần loại.", "invalid_choice")
    for rid in chosen:
        if db.session.get(Registration, rid).status != "disqualified":
            disqualify(rid, actor, now, reason, commit=False)
    _close(cand, "disqualified", actor, now, reason)
    db.session.commit()


def clear_duplicate(candidate_id: int, actor: User, now: datetime, note: str = "") -> None:
    """Not the same person: the pair leaves the queue and a new scan does not bring it back."""
    cand = _locked_open_candidate(candidate_id, actor)
    _close(cand, "cleared", actor, now, note)
    audit.record("duplicate.clear", actor, now, contest_id=cand.contest_id, registration=cand.registration_a,
                 after={"candidate_id": cand.id, "other_registration_id": cand.registration_b_id}, reason=note)
    db.session.commit()


def duplicate_queue(contest: Contest, viewer: access.Access, status: str = "open", page: int = 1,
                    per_page: int = 50) -> tuple[list[DuplicateCandidate], int]:
    visible = select(Registration.id).where(Registration.contest_id == contest.id, access.registration_condition(viewer))
    query = select(DuplicateCandidate).where(
        DuplicateCandidate.contest_id == contest.id,
        or_(DuplicateCandidate.registration_a_id.in_(visible), DuplicateCandidate.registration_b_id.in_(visible)))
    if status:
        query = query.where(DuplicateCandidate.status == status)
    return _page(query.order_by(DuplicateCandidate.id), page, per_page)


# ---------------------------------------------------------------- flags


def resolve_flag(flag_id: int, decision: str, actor: User, now: datetime, note: str = "") -> ReviewFlag:
    """"clear" (nothing wrong) or "confirm" (looked at and true; the entry is dealt with separately)."""
    if decision not in ("clear", "confirm"):
        raise ReviewError("Quyết định không hợp lệ.", "invalid_choice")
    flag = db.session.scalar(select(ReviewFlag).where(ReviewFlag.id == flag_id).with_for_update())
    if flag is None:
        raise ReviewError("Không tìm thấy cảnh báo.", "not_found")
    require_decider(actor, flag.contest_id)
    if flag.status != "open":
        raise ReviewError("Cảnh báo này đã được xử lý trước đó.", "already_resolved")
    flag.status = "cleared" if decision == "clear" else "confirmed"
    flag.resolved_by_id, flag.resolved_at, flag.note = actor.id, now, note
    audit.record(f"flag.{decision}", actor, now, registration=flag.registration,
                 after={"flag_id": flag.id, "kind": flag.kind, "detail": flag.detail}, reason=note)
    db.session.commit()
    return flag


def flag_list(contest: Contest, viewer: access.Access, status: str = "open", kind: str = "", page: int = 1,
              per_page: int = 50) -> tuple[list[ReviewFlag], int]:
    visible = select(Registration.id).where(Registration.contest_id == contest.id, access.registration_condition(viewer))
    query = select(ReviewFlag).where(ReviewFlag.contest_id == contest.id, ReviewFlag.registration_id.in_(visible))
    if status:
        query = query.where(ReviewFlag.status == status)
    if kind:
        query = query.where(ReviewFlag.kind == kind)
    return _page(query.order_by(ReviewFlag.kind, ReviewFlag.id), page, per_page)


def flags_of(registration_id: int) -> list[ReviewFlag]:
    """Flags on this entry (as the flagged one, or as the other of a pair)."""
    return list(db.session.scalars(select(ReviewFlag).where(or_(
        ReviewFlag.registration_id == registration_id, ReviewFlag.other_registration_id == registration_id))
        .order_by(ReviewFlag.id)))


def counts(contest: Contest, viewer: access.Access) -> dict[str, int]:
    """Open items in each queue, as this staff member sees them."""
    return {"duplicates": duplicate_queue(contest, viewer, per_page=1)[1],
            "flags": flag_list(contest, viewer, per_page=1)[1]}


def _page(query, page: int, per_page: int):
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(query.limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return rows, total


def entry_attempts(registration_id: int) -> list[Attempt]:
    return list(db.session.scalars(select(Attempt).where(Attempt.registration_id == registration_id)
                                   .order_by(Attempt.round_id, Attempt.number)))


def candidate_in(contest_id: int, candidate_id: int) -> DuplicateCandidate | None:
    """A suspected duplicate pair of this contest (None for another contest's or an unknown id)."""
    cand = db.session.get(DuplicateCandidate, candidate_id)
    return cand if cand is not None and cand.contest_id == contest_id else None


def flag_in(contest_id: int, flag_id: int) -> ReviewFlag | None:
    """A review flag of this contest (None for another contest's or an unknown id)."""
    flag = db.session.get(ReviewFlag, flag_id)
    return flag if flag is not None and flag.contest_id == contest_id else None
