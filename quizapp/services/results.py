"""Round results: compute a draft, review flagged winners, approve, publish a frozen version, correct it.

A draft is computed from the counted entries (rebuilt from the attempts first, so results never rest on
the incremental updates alone) and ranked by domain.ranking. Publishing freezes the public CSV's exact
bytes and their SHA-256 digest; a correction is a new version published with a reason, and the version
it replaces stays readable as superseded.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from quizapp.domain import certificates, prizes, ranking, review, text, timing
from quizapp.domain import results as export_format
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import (
    Area,
    Attempt,
    CountedEntry,
    EntryReview,
    Registration,
    ResultEntry,
    ResultSet,
    ReviewFlag,
    Round,
    Track,
    Unit,
    User,
)
from quizapp.services import access, attempts, audit, bulk, integrity, leaderboard

DRAFT, APPROVED, PUBLISHED, SUPERSEDED = "draft", "approved", "published", "superseded"
STATUS_LABELS = {DRAFT: "Bản nháp", APPROVED: "Đã duyệt", PUBLISHED: "Đã công bố", SUPERSEDED: "Đã được thay thế"}


class ResultsError(DomainError):
    """A step of the results workflow was refused (Vietnamese message, short code)."""


def display_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Asia/Ho_Chi_Minh"))


def get_round(round_id: int) -> Round:
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        raise ResultsError("Không tìm thấy đợt thi.", "not_found")
    if not rnd.is_ranked:
        raise ResultsError("Vòng thi thử không xếp hạng nên không có kết quả.", "not_ranked")
    return rnd


def versions(round_id: int) -> list[ResultSet]:
    """Every version of the round's results, newest first."""
    return list(db.session.scalars(select(ResultSet).where(ResultSet.round_id == round_id)
                                   .order_by(ResultSet.version.desc())))


def published(round_id: int) -> ResultSet | None:
    return db.session.scalar(select(ResultSet).where(ResultSet.round_id == round_id, ResultSet.status == PUBLISHED))


def open_version(round_id: int) -> ResultSet | None:
    """The version being prepared (draft or approved), if any."""
    return db.session.scalar(select(ResultSet).where(ResultSet.round_id == round_id,
                                                     ResultSet.status.in_((DRAFT, APPROVED))))


def prize_config(rnd: Round) -> dict:
    return prizes.effective_config(rnd.contest.prize_config, rnd.prize_config)


# ---------------------------------------------------------------- computing


def _require_organizer(actor: User | None, rnd: Round) -> int | None:
    """Results are decided by the contest's organisers (or admins); None is the command line. Returns the id."""
    if actor is None:
        return None
    try:
        access.require(actor, rnd.contest_id, decide=True)
    except access.AccessError as e:
        raise ResultsError("Chỉ Ban Tổ chức được tính, xem xét, duyệt và công bố kết quả."
                           if e.code == "forbidden" else e.message, e.code) from None
    return actor.id


def _log(action: str, actor: User | None, now: datetime, rnd: Round, after: dict, reason: str = "", registration=None):
    audit.record(action, actor, now, contest_id=rnd.contest_id, registration=registration,
                 after={"round_id": rnd.id, "round": rnd.name} | after, reason=reason)


def compute(round_id: int, now: datetime, actor: User | None = None) -> ResultSet:
    """Compute (or recompute) the round's draft results. The round must have closed, grace period included."""
    rnd = get_round(round_id)
    user_id = _require_organizer(actor, rnd)
    if now < rnd.closes_at + timedelta(seconds=timing.GRACE_SECONDS):
        raise ResultsError("Đợt thi chưa kết thúc nên chưa thể tính kết quả.", "round_not_closed")
    attempts.close_expired(now)  # attempts left open are graded at their deadline first
    leaderboard.rebuild_round(rnd.id)
    result = _replace_draft(rnd, now, user_id)
    _log("result.compute", actor, now, rnd, {"version": result.version, "ranked": result.ranked_count})
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ResultsError("Một người khác vừa tính kết quả của đợt này. Vui lòng tải lại trang.", "conflict") from None
    return result


def _replace_draft(rnd: Round, now: datetime, user_id: int | None) -> ResultSet:
    current = open_version(rnd.id)
    version = current.version if current else 1 + (db.session.scalar(
        select(func.max(ResultSet.version)).where(ResultSet.round_id == rnd.id)) or 0)
    if current is not None:
        db.session.delete(current)
        db.session.flush()
    result = ResultSet(round_id=rnd.id, version=version, status=DRAFT, computed_at=now, computed_by_id=user_id)
    db.session.add(result)
    db.session.flush()
    _fill(result, rnd, now)
    return result


@dataclass(frozen=True)
class _Person:
    full_name: str
    area_code: str
    area_name: str
    unit_name: str


def _people(contest_id: int) -> dict[int, _Person]:
    rows = db.session.connection().execute(  # Core: every registration of the contest, no ORM per-row loading
        select(Registration.id, User.full_name, Area.code, Area.name, Unit.name).join(User, User.id == Registration.user_id)
        .outerjoin(Area, Area.id == Registration.area_id).outerjoin(Unit, Unit.id == Registration.unit_id)
        .where(Registration.contest_id == contest_id)).all()
    return {r[0]: _Person(r[1], r[2] or "", r[3] or "", r[4] or "") for r in rows}


def _flags_by_registration(contest_id: int) -> dict[int, set[str]]:
    """Shared devices, likely duplicate people, and open integrity flags, per registration."""
    flags: dict[int, set[str]] = {}
    devices = select(Registration.device_id).where(Registration.contest_id == contest_id, Registration.device_id != "") \
        .group_by(Registration.device_id).having(func.count() > 1)
    for (reg_id,) in db.session.execute(select(Registration.id).where(
            Registration.contest_id == contest_id, Registration.device_id.in_(devices))):
        flags.setdefault(reg_id, set()).add("shared_device")
    people = db.session.execute(select(Registration.id, User.name_key, User.birth_date).join(User).where(
        Registration.contest_id == contest_id, User.birth_date.isnot(None))).all()
    seen = Counter((r.name_key, r.birth_date) for r in people)
    for r in people:
        if seen[(r.name_key, r.birth_date)] > 1:
            flags.setdefault(r.id, set()).add("duplicate_person")
    for reg_id, kind in db.session.execute(select(ReviewFlag.registration_id, ReviewFlag.kind).where(
            ReviewFlag.contest_id == contest_id, ReviewFlag.status != "cleared")):
        flags.setdefault(reg_id, set()).add(kind)
    return flags


def _entry_flags(entry, registration_flags: set[str]) -> str:
    """The entry's flags (the domain's, then the integrity scan's), as stored and exported: codes joined by ";"."""
    own = review.entry_flags(entry.correct, entry.total, entry.duration_ms, "shared_device" in registration_flags,
                             "duplicate_person" in registration_flags)
    scanned = sorted(registration_flags - {"shared_device", "duplicate_person"})
    return ";".join(own + scanned)


def _fill(result: ResultSet, rnd: Round, now: datetime) -> None:
    """Rank each track with the domain's rules, attach prizes and flags, and freeze the tables into the summary."""
    contest, config = rnd.contest, prize_config(rnd)
    entries = leaderboard.ranked_entries(rnd)
    actual = ranking.prediction_target([e for _, e, _ in entries], rnd.prediction_mode) if rnd.prediction_mode else None
    people, registration_flags = _people(contest.id), _flags_by_registration(contest.id)
    rows, tracks, no_flags = [], [], frozenset()
    scores = {e.attempt_id: score for _, e, score in entries}
    for track in contest.tracks:
        ranked = ranking.rank_entries([e for t, e, _ in entries if t == track.id], actual)
        counts = prizes.individual_counts(config, track.code)
        awarded = prizes.award(len(ranked), counts)
        for r, prize in zip(ranked, awarded):
            e, person = r.entry, people[r.entry.contestant_id]
            rows.append(dict(
                result_set_id=result.id, track_id=track.id, rank=r.rank, prize=prize, registration_id=e.contestant_id,
                attempt_id=e.attempt_id, full_name=person.full_name, track_name=track.name, area_code=person.area_code,
                area_name=person.area_name, unit_name=person.unit_name, correct=e.correct, total=e.total,
                score=scores[e.attempt_id], prediction=e.prediction, prediction_error=r.prediction_error,
                duration_ms=e.duration_ms, submitted_at=e.submitted_at,
                flags=_entry_flags(e, registration_flags.get(e.contestant_id, no_flags)), certificate_code=None))
        spread = Counter(r.entry.correct for r in ranked)
        tracks.append({"id": track.id, "code": track.code, "name": track.name, "ranked": len(ranked),
                       "prizes": counts.as_dict(), "distribution": [[k, spread.get(k, 0)] for k in range(
                           0, max([rnd.question_count, *spread]) + 1)]})
    bulk.insert_rows(ResultEntry, rows)  # tens of thousands of rows: not through the ORM's unit of work
    result.prediction_actual, result.ranked_count = actual, len(rows)
    result.summary = _summary(rnd, now, config, tracks)


def _summary(rnd: Round, now: datetime, config: dict, tracks: list[dict]) -> dict:
    contest = rnd.contest
    areas = leaderboard.area_table(contest, now, round_id=rnd.id, staff=True)
    units = leaderboard.unit_table(contest, now, round_id=rnd.id, staff=True)
    collective = prizes.collective_counts(config)
    unit_blocks = []
    for block, block_rows in units.blocks:
        ranked = [r for r in block_rows if r.rank is not None]
        awarded = dict(zip((r.id for r in ranked), prizes.award(len(ranked), collective)))
        unit_blocks.append({"block": block, "rows": [asdict(r) | {"prize": awarded.get(r.id)} for r in block_rows]})
    return {
        "prediction_mode": rnd.prediction_mode, "question_count": rnd.question_count,
        "registered": db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.contest_id == contest.id, Registration.status == "active")),
        "participants": _participants(rnd), "attempts": _attempt_count(rnd),
        "tracks": tracks, "areas": [asdict(r) for r in areas.rows], "units": unit_blocks,
        "collective_prizes": collective.as_dict(), "min_participation_rate": contest.min_participation_rate,
    }


def _participants(rnd: Round) -> int:
    return db.session.scalar(select(func.count()).select_from(CountedEntry).where(CountedEntry.round_id == rnd.id))


def _attempt_count(rnd: Round) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(CountedEntry.attempts), 0)).where(
        CountedEntry.round_id == rnd.id)))


# ---------------------------------------------------------------- reviewing and approving


@dataclass
class Flagged:
    entry: ResultEntry
    flags: list[str]
    review: EntryReview | None

    @property
    def blocking(self) -> bool:
        """A prize winner with a flag nobody has looked at holds up approval."""
        return self.entry.prize is not None and self.review is None


def flagged(result: ResultSet, scope: access.Access | None = None) -> list[Flagged]:
    """Flagged entries of a version, prize winners first, with the review decision if one was made."""
    q = select(ResultEntry).where(ResultEntry.result_set_id == result.id, ResultEntry.flags != "")
    if scope is not None and not scope.sees_everything:
        q = q.where(ResultEntry.registration_id.in_(select(Registration.id).where(access.registration_condition(scope))))
    entries = list(db.session.scalars(q))
    reviews = {r.attempt_id: r for r in db.session.scalars(select(EntryReview).where(
        EntryReview.attempt_id.in_([e.attempt_id for e in entries])))} if entries else {}
    out = [Flagged(e, e.flags.split(";"), reviews.get(e.attempt_id)) for e in entries]
    return sorted(out, key=lambda f: (f.entry.prize is None, f.entry.track_id, f.entry.rank))


def review_entry(round_id: int, attempt_id: int, decision: str, note: str, now: datetime,
                 actor: User | None = None) -> ResultSet | None:
    """Record an organiser's decision on a flagged attempt (audit-logged). Disqualifying (through the integrity
    service) takes the whole entry out and recomputes the open draft."""
    rnd = get_round(round_id)
    user_id = _require_organizer(actor, rnd)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.round_id != rnd.id:
        raise ResultsError("Không tìm thấy bài thi trong đợt này.", "not_found")
    if decision not in review.DECISIONS:
        raise ResultsError("Quyết định không hợp lệ.", "invalid_decision")
    note = (note or "").strip()
    if decision == "disqualified":
        if not note:
            raise ResultsError("Vui lòng ghi lý do loại thí sinh.", "reason_required")
        if db.session.get(Registration, attempt.registration_id).status != "disqualified":
            integrity.disqualify(attempt.registration_id, actor, now, note, commit=False)
    row = db.session.scalar(select(EntryReview).where(EntryReview.attempt_id == attempt_id))
    if row is None:
        row = EntryReview(round_id=rnd.id, attempt_id=attempt_id, registration_id=attempt.registration_id)
        db.session.add(row)
    before = {"decision": row.decision} if row.decision else {}
    row.decision, row.note, row.reviewed_by_id, row.reviewed_at = decision, note, user_id, now
    audit.record("result.review", actor, now, registration=attempt.registration, before=before,
                 after={"round_id": rnd.id, "attempt_id": attempt_id, "decision": decision}, reason=note)
    db.session.flush()
    draft = open_version(rnd.id)
    if draft is not None and decision == "disqualified":
        draft = _replace_draft(rnd, now, user_id)
    db.session.commit()
    return draft


def approve(result_id: int, now: datetime, actor: User | None = None) -> ResultSet:
    """Approve a draft; refused while a flagged prize winner has not been reviewed."""
    result = get_result(result_id)
    user_id = _require_organizer(actor, result.round)
    if result.status != DRAFT:
        raise ResultsError("Chỉ duyệt được bản nháp kết quả.", "not_draft")
    waiting = [f for f in flagged(result) if f.blocking]
    if waiting:
        raise ResultsError(f"Còn {len(waiting)} người đoạt giải bị gắn cờ chưa được xem xét.", "unreviewed_flags")
    result.status, result.approved_at, result.approved_by_id = APPROVED, now, user_id
    _log("result.approve", actor, now, result.round, {"version": result.version})
    db.session.commit()
    return result


def get_result(result_id: int) -> ResultSet:
    result = db.session.get(ResultSet, result_id)
    if result is None:
        raise ResultsError("Không tìm thấy phiên bản kết quả.", "not_found")
    return result


# ---------------------------------------------------------------- publishing


def publish(result_id: int, now: datetime, actor: User | None = None, reason: str = "") -> ResultSet:
    """Publish an approved version: freeze the public CSV and its digest; a correction needs a reason."""
    result = get_result(result_id)
    user_id = _require_organizer(actor, result.round)
    if result.status != APPROVED:
        raise ResultsError("Kết quả cần được duyệt trước khi công bố.", "not_approved")
    current = published(result.round_id)
    reason = (reason or "").strip()
    if current is not None:
        if not reason:
            raise ResultsError("Đợt này đã công bố kết quả; vui lòng nêu lý do đính chính.", "reason_required")
        current.status = SUPERSEDED
        db.session.flush()  # one published version per round, checked by the database
        result.supersedes_id, result.reason = current.id, reason
    assign_certificate_codes(result)
    result.public_csv = export_format.to_csv(public_rows(result), export_format.PUBLIC_COLUMNS, display_tz())
    result.digest = export_format.sha256_hex(result.public_csv)
    result.status, result.published_at, result.published_by_id = PUBLISHED, now, user_id
    _log("result.publish", actor, now, result.round, {"version": result.version, "digest": result.digest}, reason)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ResultsError("Kết quả của đợt này vừa được công bố. Vui lòng tải lại trang.", "conflict") from None
    return result


def assign_certificate_codes(result: ResultSet) -> int:
    """Give every ranked contestant of the version the code of their certificate (those still without one).

    The code is derived from the version and the registration, so filling it twice, or from two workers at
    once, writes the same value. Returns how many were filled; the caller commits.
    """
    secret = current_app.config["SECRET_KEY"]
    rows = db.session.execute(select(ResultEntry.id, ResultEntry.registration_id).where(
        ResultEntry.result_set_id == result.id, ResultEntry.registration_id.isnot(None),
        ResultEntry.certificate_code.is_(None))).all()
    if rows:
        db.session.execute(update(ResultEntry), [
            {"id": r.id, "certificate_code": certificates.make_code(secret, result.id, result.version,
                                                                     r.registration_id)} for r in rows])
    return len(rows)


# ---------------------------------------------------------------- reading and exporting


def result_rows(result: ResultSet, winners_only: bool = False, scope: access.Access | None = None,
                contacts: bool = False, public_candidates: bool = False) -> list[export_format.ResultRow]:
    """The version's ranked contestants, track by track, as plain rows (within a moderator's scope if given).

    `contacts` attaches the prize winners' phone, CCCD, birth date and e-mail; the caller decides who may have them.
    """
    e = ResultEntry  # plain columns, not ORM objects: an organiser's file of a big round has 100,000 of them
    q = select(e.rank, e.prize, e.full_name, e.track_name, e.area_code, e.area_name, e.unit_name, e.correct, e.total,
               e.score, e.prediction, e.prediction_error, e.duration_ms, e.submitted_at, e.attempt_id, e.flags,
               e.registration_id).join(Track, Track.id == ResultEntry.track_id).where(
        ResultEntry.result_set_id == result.id)
    if scope is not None and not scope.sees_everything:
        q = q.where(ResultEntry.registration_id.in_(select(Registration.id).where(access.registration_condition(scope))))
    if winners_only:
        q = q.where(ResultEntry.prize.isnot(None))
    if public_candidates:  # all the public list can hold: winners, or the top of each track when nobody has a prize
        q = q.where(or_(ResultEntry.prize.isnot(None), ResultEntry.rank <= export_format.TOP_WITHOUT_PRIZES))
    entries = db.session.execute(q.order_by(Track.position, Track.id, ResultEntry.rank)).all()
    found = _winner_contacts(result) if contacts else {}
    return [
        export_format.ResultRow(*r[:15], tuple(f for f in r.flags.split(";") if f), contact=found.get(r.registration_id))
        for r in entries
    ]


def _winner_contacts(result: ResultSet) -> dict[int, export_format.Contact]:
    """Contact details of the version's prize winners only, by registration (read now, not frozen)."""
    rows = db.session.execute(
        select(ResultEntry.registration_id, User.phone, User.cccd, User.birth_date, User.email)
        .join(Registration, Registration.id == ResultEntry.registration_id).join(User, User.id == Registration.user_id)
        .where(ResultEntry.result_set_id == result.id, ResultEntry.prize.isnot(None)))
    return {r[0]: export_format.Contact(r[1] or "", r[2] or "", r[3], r[4] or "") for r in rows}


def public_rows(result: ResultSet) -> list[export_format.ResultRow]:
    """What the public page and the public file list (the winners, or each track's first ten without prizes)."""
    return export_format.public_selection(result_rows(result, public_candidates=True))


def _version(round_id: int, version: int | None, public: bool) -> ResultSet:
    if version is not None:
        result = db.session.scalar(select(ResultSet).where(ResultSet.round_id == round_id, ResultSet.version == version))
    elif public:
        result = published(round_id)
    else:
        result = open_version(round_id) or published(round_id)
    if result is None or (public and result.status not in (PUBLISHED, SUPERSEDED)):
        raise ResultsError("Chưa có kết quả " + ("được công bố " if public else "") + "của đợt này. "
                           "Hãy tính kết quả trước (flask results compute).", "no_results")
    return result


def contacts_allowed(scope: access.Access | None, asked: bool) -> bool:
    """Winners' contacts go into the organiser's file when asked, for admins and organisers (never moderators);
    without a scope (the command line, an operator's tool) only when asked explicitly."""
    return asked and (scope is None or scope.sees_winner_contacts)


def export(round_id: int, fmt: str, public: bool = False, version: int | None = None,
           scope: access.Access | None = None, contacts: bool = False, actor: User | None = None,
           now: datetime | None = None) -> tuple[bytes, str]:
    """The results file and its name: the organiser's (every column) or the public one (winners, name and unit only).

    The public CSV of a published version is the frozen file whose digest the public page shows. A moderator's
    scope limits the organiser's file to their unit or area, and drafts to what they may see. `contacts` adds the
    prize winners' phone, CCCD, birth date and e-mail where `contacts_allowed`; handing them out is audit-logged
    (counts only, never the values) when `now` is given.
    """
    if fmt not in ("csv", "xlsx"):
        raise ResultsError("Định dạng xuất phải là csv hoặc xlsx.", "format")
    rnd = get_round(round_id)
    result = _version(round_id, version, public)
    stem = f"ket-qua-{rnd.contest.slug}-dot-{rnd.number}-v{result.version}" + ("" if public else "-day-du")
    if public:
        if fmt == "csv" and result.public_csv is not None:
            return result.public_csv, f"{stem}.csv"
        rows, columns = public_rows(result), export_format.PUBLIC_COLUMNS
    else:
        with_contacts = contacts_allowed(scope, contacts)
        rows = result_rows(result, scope=scope, contacts=with_contacts)
        columns = export_format.ORGANIZER_COLUMNS + (export_format.CONTACT_COLUMNS if with_contacts else ())
        if with_contacts and now is not None:
            _log("result.export_contacts", actor, now, rnd, {"version": result.version, "format": fmt,
                                                             "winners": sum(1 for r in rows if r.contact)})
            db.session.commit()
    if fmt == "csv":
        return export_format.to_csv(rows, columns, display_tz()), f"{stem}.csv"
    return export_format.to_xlsx(rows, columns, display_tz(), title=rnd.name), f"{stem}.xlsx"


@dataclass
class PublicResults:
    """What the public results page shows: a published (or superseded) version, never a draft."""

    round: Round
    result: ResultSet | None  # None until something is published
    winners: list[tuple[dict, list[export_format.ResultRow]]]
    versions: list[ResultSet]
    current: ResultSet | None


def public_results(round_id: int, version: int | None = None) -> PublicResults:
    """The published results of a round (or one of its earlier versions); `result` is None before publication."""
    rnd = db.session.get(Round, round_id)
    if rnd is None or not rnd.is_ranked:
        raise ResultsError("Không tìm thấy đợt thi.", "not_found")
    shown = [v for v in versions(round_id) if v.status in (PUBLISHED, SUPERSEDED)]
    current = next((v for v in shown if v.status == PUBLISHED), None)
    result = current if version is None else next((v for v in shown if v.version == version), None)
    if result is None:
        if version is not None:
            raise ResultsError("Không tìm thấy phiên bản kết quả này.", "not_found")
        return PublicResults(rnd, None, [], shown, None)
    rows = public_rows(result)
    winners = [(t, [r for r in rows if r.track == t["name"]]) for t in result.summary.get("tracks", [])]
    return PublicResults(rnd, result, winners, shown, current)


SEARCH_LIMIT = 20


def search_published(result: ResultSet, query: str, limit: int = SEARCH_LIMIT) -> list[export_format.ResultRow]:
    """The people of the public list (public_rows: what the page and the public file show, nobody else) whose
    name, unit or commune/ward holds every word of `query` as a whole word, accents ignored ("mai an phu");
    at most `limit`, in the list's order."""
    if not text.search_words(query):
        return []
    return [r for r in public_rows(result) if text.has_words(query, r.full_name, r.unit_or_ward)][:limit]


# ---------------------------------------------------------------- the organiser's overview


@dataclass
class RoundStatus:
    round: Round
    closed: bool
    published: ResultSet | None
    preparing: ResultSet | None


def overview(contests: list, now: datetime) -> list[tuple[object, list[RoundStatus]]]:
    """Each contest's ranked rounds with their results' state."""
    out = []
    for contest in contests:
        rows = [RoundStatus(r, now >= r.closes_at, published(r.id), open_version(r.id))
                for r in contest.rounds if r.is_ranked]
        out.append((contest, rows))
    return out


def set_prize_config(contest, config: dict, actor: User | None = None, now: datetime | None = None) -> None:
    """Store the contest's prize configuration (checked first); an organiser's decision, audit-logged."""
    if actor is not None:
        access.require(actor, contest, decide=True)
    before = contest.prize_config or {}
    contest.prize_config = prizes.validate_config(config)
    if now is not None:
        audit.record("contest.prizes", actor, now, contest_id=contest.id, before=before, after=contest.prize_config)
    db.session.commit()


def set_round_prize_config(rnd: Round, config: dict | None, actor: User | None = None,
                           now: datetime | None = None) -> None:
    """A round's own prizes (None: the contest's); an organiser's decision, audit-logged."""
    if actor is not None:
        access.require(actor, rnd.contest_id, decide=True)
    before = rnd.prize_config or {}
    rnd.prize_config = prizes.validate_config(config) if config is not None else None
    if now is not None:
        audit.record("round.prizes", actor, now, contest_id=rnd.contest_id, before={"prizes": before},
                     after={"round_id": rnd.id, "prizes": rnd.prize_config})
    db.session.commit()
