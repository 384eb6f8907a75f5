"""Leaderboard aggregates, kept as attempts finish, and the short-lived public cache they invalidate.

Every finished attempt updates its contestant's CountedEntry (the attempt the round's counting rule picks)
and ContestEntry (the sum over ranked rounds) in the grading transaction, so boards are never behind.
Disqualifying an entry, voiding an attempt or moving a contestant to another unit refreshes them too
(session hooks below), and `rebuild_round` recomputes everything from the attempts.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, event, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import aliased

from quizapp.domain import ranking
from quizapp.domain.attempt_status import AttemptStatus
from quizapp.domain.counting import Entry, pick_entry
from quizapp.extensions import db
from quizapp.models import Area, Attempt, Contest, ContestEntry, CountedEntry, Registration, Round, utcnow
from quizapp.services import bulk, caches, events

IN_PROGRESS = AttemptStatus.IN_PROGRESS


# ================================================================ keeping the aggregates


def _insert(model):
    """INSERT with ON CONFLICT support on this database."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def _lock_row(model, keys: dict, track_id: int) -> None:
    """Make sure the aggregate row exists and lock it until commit (one upsert does both).

    Locking the row (not the registration) keeps the lock order of the grading path (attempt, then
    aggregate): two transactions touching one contestant's row run one after the other, and the second
    reads what the first committed (on PostgreSQL what it reads after the lock is read afresh).
    """
    now = utcnow()
    db.session.execute(_insert(model).values(**keys, track_id=track_id, updated_at=now)
                       .on_conflict_do_update(index_elements=list(keys), set_={"updated_at": now}))


_PARENT, _GRANDPARENT = aliased(Area), aliased(Area)
# A registration's ranking inputs, with the areas above its own (an area tree has at most three levels).
_REG_QUERY = (
    select(Registration.id, Registration.status, Registration.track_id, Registration.area_id, Registration.unit_id,
           Contest.group_level, Area.level.label("level0"), _PARENT.id.label("area1"), _PARENT.level.label("level1"),
           _GRANDPARENT.id.label("area2"), _GRANDPARENT.level.label("level2"))
    .join(Contest, Contest.id == Registration.contest_id)
    .outerjoin(Area, Area.id == Registration.area_id)
    .outerjoin(_PARENT, _PARENT.id == Area.parent_id)
    .outerjoin(_GRANDPARENT, _GRANDPARENT.id == _PARENT.parent_id)
)


def _registration_row(registration_id: int):
    return db.session.execute(_REG_QUERY.where(Registration.id == registration_id)).one_or_none()


def _group_area(reg_row) -> int | None:
    """The area at the contest's grouping level (district, or commune) that holds the contestant's area."""
    for area_id, level in ((reg_row.area_id, reg_row.level0), (reg_row.area1, reg_row.level1),
                           (reg_row.area2, reg_row.level2)):
        if area_id is not None and level == reg_row.group_level:
            return area_id
    return reg_row.area_id  # no area of that level above it: the area itself


def _entry(row, registration_id: int) -> Entry:
    return Entry(row.id, registration_id, row.correct or 0, row.total, row.duration_ms or 0, row.submitted_at,
                 row.prediction, row.disqualified)


def _counted_values(rnd: Round, reg_row, attempts: list) -> dict | None:
    """The CountedEntry columns for one contestant, or None when they have no row (nothing finished, disqualified)."""
    kept = [a for a in attempts if not a.disqualified]
    if reg_row is None or reg_row.status != "active" or not kept:
        return None
    picked = pick_entry([_entry(a, reg_row.id) for a in kept], rnd.counting_rule)
    values = {"track_id": reg_row.track_id, "group_area_id": _group_area(reg_row),
              "unit_id": reg_row.unit_id, "attempts": len(kept), "attempt_id": None, "correct": None, "total": None,
              "score": None, "duration_ms": None, "submitted_at": None, "prediction": None, "perfect": False}
    if picked is not None:
        score = next(a.score for a in kept if a.id == picked.attempt_id)
        values |= {"attempt_id": picked.attempt_id, "correct": picked.correct, "total": picked.total,
                   "score": score or 0.0, "duration_ms": picked.duration_ms, "submitted_at": picked.submitted_at,
                   "prediction": picked.prediction if rnd.prediction_mode else None, "perfect": picked.perfect}
    return values


_ATTEMPT_COLS = (Attempt.id, Attempt.registration_id, Attempt.correct, Attempt.total, Attempt.score,
                 Attempt.duration_ms, Attempt.submitted_at, Attempt.prediction, Attempt.disqualified)


def refresh_entry(round_id: int, registration_id: int) -> None:
    """Recompute one contestant's counted entry in one round, and their contest total (in the caller's transaction)."""
    rnd = db.session.get(Round, round_id)
    if rnd is None or not rnd.is_ranked:
        return
    reg_row = _registration_row(registration_id)
    if reg_row is None:
        return
    _lock_row(CountedEntry, {"round_id": round_id, "registration_id": registration_id}, reg_row.track_id)
    if _concurrent():
        reg_row = _registration_row(registration_id)
    attempts = db.session.execute(select(*_ATTEMPT_COLS).where(
        Attempt.round_id == round_id, Attempt.registration_id == registration_id, Attempt.status != IN_PROGRESS)).all()
    values = _counted_values(rnd, reg_row, attempts)
    where = (CountedEntry.round_id == round_id, CountedEntry.registration_id == registration_id)
    if values is None:
        db.session.execute(delete(CountedEntry).where(*where))
    else:
        db.session.execute(update(CountedEntry).where(*where).values(**values, updated_at=utcnow()))
    _refresh_contest_entry(rnd.contest_id, reg_row)


def _concurrent() -> bool:
    """SQLite has one writer at a time, so nothing can change between the lock and the reads."""
    return db.session.get_bind().dialect.name != "sqlite"


def _contest_values(contest_id: int, reg_row, rows: list) -> dict | None:
    if not rows or reg_row is None:
        return None
    counted = [Entry(r.attempt_id, reg_row.id, r.correct, r.total, r.duration_ms, r.submitted_at, None)
               for r in rows if r.correct is not None]
    total = ranking.contest_total(reg_row.id, counted)
    return {
        "track_id": reg_row.track_id, "group_area_id": rows[0].group_area_id, "unit_id": reg_row.unit_id,
        "attempts": sum(r.attempts for r in rows), "rounds": total.rounds if total else 0,
        "correct": total.correct if total else None, "duration_ms": total.duration_ms if total else None,
        "last_submitted_at": total.last_submitted_at if total else None,
        "score_sum": float(sum(r.score or 0.0 for r in rows if r.correct is not None)),
        "perfect": sum(1 for r in rows if r.perfect),
    }


_CE_TOTAL_COLS = (CountedEntry.registration_id, CountedEntry.attempt_id, CountedEntry.correct, CountedEntry.total,
                  CountedEntry.duration_ms, CountedEntry.submitted_at, CountedEntry.score, CountedEntry.perfect,
                  CountedEntry.attempts, CountedEntry.group_area_id)


def _refresh_contest_entry(contest_id: int, reg_row) -> None:
    """Recompute one contestant's totals over the contest's ranked rounds."""
    registration_id = reg_row.id
    _lock_row(ContestEntry, {"contest_id": contest_id, "registration_id": registration_id}, reg_row.track_id)
    rows = db.session.execute(select(*_CE_TOTAL_COLS).join(Round, Round.id == CountedEntry.round_id).where(
        CountedEntry.registration_id == registration_id, Round.contest_id == contest_id)).all()
    values = _contest_values(contest_id, reg_row, rows)
    where = (ContestEntry.contest_id == contest_id, ContestEntry.registration_id == registration_id)
    if values is None:
        db.session.execute(delete(ContestEntry).where(*where))
    else:
        db.session.execute(update(ContestEntry).where(*where).values(**values, updated_at=utcnow()))


def _attempt_finished(attempt: Attempt) -> None:
    refresh_entry(attempt.round_id, attempt.registration_id)


def _entry_status_changed(registration: Registration) -> None:
    """Disqualified or restored by the integrity service: in or out of every board, in the same transaction."""
    _apply(("registration", registration.id))


# ---------------------------------------------------------------- full recomputation

_CE_COMPARE = ("track_id", "group_area_id", "unit_id", "attempts", "attempt_id", "correct", "total", "score",
               "duration_ms", "submitted_at", "prediction", "perfect")
_CT_COMPARE = ("track_id", "group_area_id", "unit_id", "attempts", "rounds", "correct", "duration_ms",
               "last_submitted_at", "score_sum", "perfect")


def _rows(statement):
    """Plain rows through Core: a rebuild reads every row of a round, and the ORM's per-row loading would double
    the time. (Core does not autoflush: rebuild_round flushes first.)"""
    return db.session.connection().execute(statement).all()  # fetchall: iterating would fetch row by row


def _sync(model, scope: dict, key: str, desired: dict[int, dict], compare: tuple[str, ...]) -> int:
    """Make the rows of `scope` equal `desired` ({key value: columns}); returns how many rows changed."""
    cols = [getattr(model, c) for c in (key, *compare)]
    existing = {r[0]: dict(zip(compare, r[1:])) for r in _rows(
        select(*cols).where(*(getattr(model, k) == v for k, v in scope.items())))}
    gone = [k for k in existing if k not in desired]
    now = utcnow()
    new = [{**scope, key: k, **v, "updated_at": now} for k, v in desired.items() if k not in existing]
    changed = [(k, v) for k, v in desired.items() if k in existing and existing[k] != v]
    for i in range(0, len(gone), 500):
        db.session.execute(delete(model).where(*(getattr(model, k) == v for k, v in scope.items()),
                                               getattr(model, key).in_(gone[i:i + 500])))
    bulk.insert_rows(model, new)
    for k, v in changed:
        db.session.execute(update(model).where(*(getattr(model, s) == x for s, x in scope.items()),
                                               getattr(model, key) == k).values(**v, updated_at=utcnow()))
    return len(gone) + len(new) + len(changed)


def rebuild_round(round_id: int) -> int:
    """Recompute every counted entry of the round (and the contest totals) from the attempts; returns rows changed.

    The result must equal what the incremental updates keep; a non-zero count means they had drifted.
    """
    db.session.flush()
    rnd = db.session.get(Round, round_id)
    desired: dict[int, dict] = {}
    regs = _contest_registrations(rnd.contest_id)
    if rnd.is_ranked:
        by_reg: dict[int, list] = defaultdict(list)
        for a in _rows(select(*_ATTEMPT_COLS).where(Attempt.round_id == round_id, Attempt.status != IN_PROGRESS)):
            by_reg[a.registration_id].append(a)
        for reg_id, attempts in by_reg.items():
            values = _counted_values(rnd, regs.get(reg_id), attempts)
            if values is not None:
                desired[reg_id] = values
    changed = _sync(CountedEntry, {"round_id": round_id}, "registration_id", desired, _CE_COMPARE)
    shared.clear()
    return changed + rebuild_contest(rnd.contest_id, regs)


@dataclass(frozen=True, slots=True)
class _RegRow:
    """What _REG_QUERY gives for one registration, built from two plain reads instead of a four-way join."""

    id: int
    status: str
    track_id: int
    area_id: int | None
    unit_id: int | None
    group_level: str
    level0: str | None
    area1: int | None
    level1: str | None
    area2: int | None
    level2: str | None


def _contest_registrations(contest_id: int) -> dict[int, _RegRow]:
    """Every registration of the contest with its ranking inputs and the areas above its own, by id."""
    group_level = db.session.scalar(select(Contest.group_level).where(Contest.id == contest_id))
    areas = {r.id: (r.parent_id, r.level) for r in _rows(select(Area.id, Area.parent_id, Area.level))}
    above: dict[int | None, tuple] = {None: (None, None, None, None, None)}

    def chain(area_id: int | None) -> tuple:
        if area_id not in above:
            parent, level0 = areas.get(area_id, (None, None))
            grandparent, level1 = areas.get(parent, (None, None)) if parent is not None else (None, None)
            level2 = areas.get(grandparent, (None, None))[1] if grandparent is not None else None
            above[area_id] = (level0, parent, level1 if parent is not None else None, grandparent, level2)
        return above[area_id]

    return {r.id: _RegRow(r.id, r.status, r.track_id, r.area_id, r.unit_id, group_level, *chain(r.area_id))
            for r in _rows(select(Registration.id, Registration.status, Registration.track_id, Registration.area_id,
                                  Registration.unit_id).where(Registration.contest_id == contest_id))}


def rebuild_contest(contest_id: int, regs: dict[int, _RegRow] | None = None) -> int:
    """Recompute every contest total from the counted entries; returns rows changed."""
    db.session.flush()
    rows_by_reg: dict[int, list] = defaultdict(list)
    for r in _rows(select(*_CE_TOTAL_COLS).join(Round, Round.id == CountedEntry.round_id)
                   .where(Round.contest_id == contest_id).order_by(Round.number)):
        rows_by_reg[r.registration_id].append(r)
    if regs is None:
        regs = _contest_registrations(contest_id)
    desired = {}
    for reg_id, rows in rows_by_reg.items():
        values = _contest_values(contest_id, regs.get(reg_id), rows)
        if values is not None:
            desired[reg_id] = values
    return _sync(ContestEntry, {"contest_id": contest_id}, "registration_id", desired, _CT_COMPARE)


# ---------------------------------------------------------------- changes made elsewhere

_PENDING = "leaderboard_pending"
_WATCHED = {Registration: ("status", "track_id", "area_id", "unit_id"), Attempt: ("disqualified",),
            Round: ("counting_rule", "prediction_mode", "kind"), Contest: ("group_level",)}


def _changed(obj, attrs: tuple[str, ...]) -> bool:
    state = sa_inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def _collect_changes(session, _flush_context) -> None:
    """Note entries whose ranking inputs changed outside grading (disqualified, moved, rules edited)."""
    pending = session.info.setdefault(_PENDING, set())
    for obj in session.dirty:
        attrs = _WATCHED.get(type(obj))
        if attrs is None or not _changed(obj, attrs):
            continue
        if isinstance(obj, Registration):
            pending.add(("registration", obj.id))
        elif isinstance(obj, Attempt):
            pending.add(("entry", obj.round_id, obj.registration_id))
        elif isinstance(obj, Round):
            pending.add(("round", obj.id))
        else:
            pending.add(("contest", obj.id))
    if not pending:
        session.info.pop(_PENDING, None)


def _apply_changes(session) -> None:
    session.flush()  # commit flushes only after this hook: collect the changes first
    while session.info.get(_PENDING):
        for change in sorted(session.info.pop(_PENDING, set())):
            _apply(change)
        session.flush()


def _forget_changes(session) -> None:
    session.info.pop(_PENDING, None)


_SESSION_HOOKS = (("after_flush", _collect_changes), ("before_commit", _apply_changes),
                  ("after_rollback", _forget_changes))


def init_app(app) -> None:
    """Keep the aggregates as rankings change: on grading and on a disqualification (events), and on any other
    committed change to a ranking input (session hooks). Safe to call for every app the process makes."""
    events.on_attempt_finished(_attempt_finished)
    events.on_entry_status_changed(_entry_status_changed)
    for name, hook in _SESSION_HOOKS:
        if not event.contains(db.session, name, hook):
            event.listen(db.session, name, hook)


def _apply(change: tuple) -> None:
    shared.clear()
    kind, *ids = change
    if kind == "entry":
        refresh_entry(*ids)
    elif kind == "registration":
        for round_id in db.session.scalars(select(Attempt.round_id).where(Attempt.registration_id == ids[0]).distinct()):
            refresh_entry(round_id, ids[0])
    elif kind == "round":
        rebuild_round(ids[0])
    else:
        for round_id in db.session.scalars(select(Round.id).where(Round.contest_id == ids[0])):
            rebuild_round(round_id)



shared = caches.shared  # public aggregates, a few seconds per process (services/caches.py)



