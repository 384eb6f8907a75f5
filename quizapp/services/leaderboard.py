"""Leaderboards: the boards, tables and standings read from the aggregates in leaderboard_store.

Reading a board never sorts a whole round: for each number of correct answers, from the highest, rows come
from index range scans already in ranking order (predictions at or above the actual value upwards, those
below it downwards, then entries without a prediction) and are merged with the domain's own sort key.
What does grow with a round is counting (entries per level, the prediction answer) and the participation
tables' GROUP BY: those are public, the same for everyone, and kept a few seconds per process (`shared`).
A contestant's own place is computed on each request and never kept.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

from sqlalchemy import case, func, select, tuple_

from quizapp.domain import collation, ranking
from quizapp.domain.counting import Entry
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Area, Contest, ContestEntry, CountedEntry, Registration, Round, Track, Unit, User
from quizapp.services.leaderboard_store import (  # noqa: F401  (rebuild_round, refresh_entry: re-exported)
    rebuild_round,
    refresh_entry,
    shared,
)

MAX_LIMIT = 200
MAX_OFFSET = 10_000


# ================================================================ reading


def _page(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(int(limit), MAX_LIMIT)), max(0, min(int(offset), MAX_OFFSET))


def revealed(rnd: Round, now: datetime) -> bool:
    """Predictions and the prediction answer are shown once the round has closed."""
    return now >= rnd.closes_at


def hides_perfect_count(contest: Contest, rnd: Round | None, now: datetime) -> bool:
    """While a round asks "how many will answer everything right?", the running count is that answer: hide it."""
    rounds = [rnd] if rnd is not None else [r for r in contest.rounds if r.is_ranked]
    return any(r.prediction_mode == "perfect_count" and r.opens_at <= now < r.closes_at for r in rounds)


def prediction_actual(rnd: Round) -> int | None:
    """The running answer to the round's prediction question, counted as domain.ranking.prediction_target does."""
    if not rnd.prediction_mode:
        return None
    q = select(func.count()).select_from(CountedEntry).where(CountedEntry.round_id == rnd.id,
                                                             CountedEntry.correct.isnot(None))
    if rnd.prediction_mode == "perfect_count":
        q = q.where(CountedEntry.perfect)
    return shared.get(("actual", rnd.id, rnd.prediction_mode), lambda: db.session.scalar(q))


@dataclass
class BoardRow:
    rank: int
    registration_id: int
    full_name: str
    unit_name: str
    area_name: str
    correct: int
    total: int | None
    score: float | None
    duration_ms: int
    submitted_at: datetime | None
    prediction: int | None = None
    prediction_error: int | None = None
    rounds: int | None = None

    @property
    def place(self) -> str:
        """Unit, or the commune/ward for contestants without one: what the public may see besides the name."""
        return self.unit_name or self.area_name


@dataclass
class Board:
    contest: Contest
    round: Round | None
    track: Track
    area: Area | None
    unit: Unit | None
    rows: list[BoardRow]
    total: int
    limit: int
    offset: int
    prediction_actual: int | None = None  # None while hidden
    revealed: bool = False

    @property
    def scope_label(self) -> str:
        if self.unit:
            return self.unit.name
        if self.area:
            return self.area.name
        return "Toàn cuộc thi" if self.round is None else "Tất cả"


def _track(contest: Contest, code: str | None) -> Track:
    tracks = list(contest.tracks)
    if not tracks:
        raise DomainError("Cuộc thi chưa có bảng thi nào.", "not_found")
    if not code:
        return tracks[0]
    found = next((t for t in tracks if t.code == code), None)
    if found is None:
        raise DomainError("Không có bảng thi này trong cuộc thi.", "not_found")
    return found


def ranked_round(contest: Contest, round_id: int) -> Round:
    rnd = db.session.get(Round, round_id)
    if rnd is None or rnd.contest_id != contest.id:
        raise DomainError("Không tìm thấy đợt thi.", "not_found")
    if not rnd.is_ranked:
        raise DomainError("Vòng thi thử không xếp hạng.", "not_found")
    return rnd


def _scope(contest: Contest, model, area_id: int | None, unit_id: int | None):
    """Filters for a board within one area or unit of the contest."""
    area = db.session.get(Area, area_id) if area_id else None
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit_id and (unit is None or unit.contest_id != contest.id):
        raise DomainError("Không tìm thấy đơn vị.", "not_found")
    if area_id and area is None:
        raise DomainError("Không tìm thấy địa bàn.", "not_found")
    filters = []
    if area is not None:
        filters.append(model.group_area_id == area.id)
    if unit is not None:
        filters.append(model.unit_id == unit.id)
    return area, unit, filters


_CE_BOARD_COLS = (CountedEntry.registration_id, CountedEntry.attempt_id, CountedEntry.correct, CountedEntry.total,
                  CountedEntry.score, CountedEntry.duration_ms, CountedEntry.submitted_at, CountedEntry.prediction)


def _as_entry(row) -> Entry:
    return Entry(row.attempt_id, row.registration_id, row.correct, row.total, row.duration_ms, row.submitted_at,
                 row.prediction)


def _level_counts(model, base: list, key: tuple) -> list[tuple[int, int]]:
    """How many ranked entries have each number of correct answers, highest first (one pass over the index)."""
    return shared.get(("levels", *key), lambda: [tuple(r) for r in db.session.execute(
        select(model.correct, func.count()).where(*base, model.correct.isnot(None))
        .group_by(model.correct).order_by(model.correct.desc()))])


def _levels(counts: list[tuple[int, int]], skip: int) -> Iterator[tuple[int, int]]:
    """(correct, rows to skip at that level) from the highest level down, skipping whole levels when paging."""
    for correct, n in counts:
        if skip >= n:
            skip -= n
            continue
        yield correct, skip
        skip = 0


def _round_rows(base: list, counts: list, actual: int | None, skip: int, need: int) -> list:
    """The entries of places skip+1 .. skip+need, in ranking order, read level by level from the board index."""
    ce, out = CountedEntry, []
    tail = (ce.duration_ms, ce.submitted_at, ce.attempt_id)
    for correct, level_skip in _levels(counts, skip):
        at, want = [*base, ce.correct == correct], level_skip + need - len(out)

        def fetch(*where, order, at=at, want=want) -> Iterator:
            yield from db.session.execute(select(*_CE_BOARD_COLS).where(*at, *where).order_by(*order).limit(want))

        if actual is None:
            ordered: Iterator = fetch(order=tail)
        else:
            above = fetch(ce.prediction >= actual, order=(ce.prediction, *tail))
            below = fetch(ce.prediction < actual, order=(ce.prediction.desc(), *tail))
            merged = heapq.merge(above, below, key=lambda r: ranking.rank_key(_as_entry(r), actual))
            ordered = chain(merged, fetch(ce.prediction.is_(None), order=tail))  # no prediction: after any
        for i, row in enumerate(ordered):
            if i >= level_skip:
                out.append(row)
            if len(out) >= need or i + 1 >= want:
                break
        if len(out) >= need:
            break
    return out


_CT_BOARD_COLS = (ContestEntry.registration_id, ContestEntry.correct, ContestEntry.duration_ms,
                  ContestEntry.last_submitted_at, ContestEntry.rounds, ContestEntry.score_sum)


def _contest_rows(base: list, counts: list, skip: int, need: int) -> list:
    ct, out = ContestEntry, []
    for correct, level_skip in _levels(counts, skip):
        rows = db.session.execute(select(*_CT_BOARD_COLS).where(*base, ct.correct == correct).order_by(
            ct.duration_ms, ct.last_submitted_at, ct.registration_id).offset(level_skip).limit(need - len(out))).all()
        out.extend(rows)
        if len(out) >= need:
            break
    return out


def _people(registration_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """Name, unit and commune/ward of each registration: nothing else about a person leaves this module."""
    if not registration_ids:
        return {}
    rows = db.session.execute(
        select(Registration.id, User.full_name, Unit.name, Area.name).join(User, User.id == Registration.user_id)
        .outerjoin(Unit, Unit.id == Registration.unit_id).outerjoin(Area, Area.id == Registration.area_id)
        .where(Registration.id.in_(registration_ids)))
    return {r[0]: (r[1], r[2] or "", r[3] or "") for r in rows}


def board(contest: Contest, now: datetime, *, round_id: int | None = None, track_code: str | None = None,
          area_id: int | None = None, unit_id: int | None = None, limit: int = 50, offset: int = 0,
          staff: bool = False) -> Board:
    """One page of a board: a round's (or, without round_id, the contest's) track, overall or within an area/unit."""
    limit, offset = _page(limit, offset)
    track = _track(contest, track_code)
    rnd = ranked_round(contest, round_id) if round_id else None
    area, unit, _ = _scope(contest, CountedEntry, area_id, unit_id)
    show = bool(rnd) and (staff or revealed(rnd, now))
    key = ("board", contest.id, rnd.id if rnd else None, track.id, area_id, unit_id, limit, offset, show)
    rows, total, actual = shared.get(key, lambda: _board_rows(contest, rnd, track, area_id, unit_id, limit,
                                                              offset, show))
    return Board(contest, rnd, track, area, unit, rows, total, limit, offset, actual if show else None, show)


def _scope_key(contest: Contest, rnd: Round | None, track_id: int, area_id: int | None, unit_id: int | None) -> tuple:
    return (contest.id, rnd.id if rnd else None, track_id, area_id, unit_id)


def _board_rows(contest: Contest, rnd: Round | None, track: Track, area_id: int | None, unit_id: int | None,
                limit: int, offset: int, show: bool) -> tuple[list[BoardRow], int, int | None]:
    model = CountedEntry if rnd else ContestEntry
    _, _, filters = _scope(contest, model, area_id, unit_id)
    key = _scope_key(contest, rnd, track.id, area_id, unit_id)
    if rnd:
        base = [CountedEntry.round_id == rnd.id, CountedEntry.track_id == track.id, *filters]
        counts, actual = _level_counts(model, base, key), prediction_actual(rnd)
        raw = _round_rows(base, counts, actual, offset, limit)
    else:
        base = [ContestEntry.contest_id == contest.id, ContestEntry.track_id == track.id, *filters]
        counts, actual = _level_counts(model, base, key), None
        raw = _contest_rows(base, counts, offset, limit)
    total = sum(n for _, n in counts)
    people = _people([r.registration_id for r in raw])
    rows = []
    for i, r in enumerate(raw, start=offset + 1):
        name, unit_name, area_name = people.get(r.registration_id, ("", "", ""))
        if rnd:
            error = ranking.prediction_error(_as_entry(r), actual)
            rows.append(BoardRow(i, r.registration_id, name, unit_name, area_name, r.correct, r.total, r.score,
                                 r.duration_ms, r.submitted_at, r.prediction if show else None,
                                 error if show else None))
        else:
            mean = round(r.score_sum / r.rounds, 2) if r.rounds else None
            rows.append(BoardRow(i, r.registration_id, name, unit_name, area_name, r.correct, None, mean,
                                 r.duration_ms, r.last_submitted_at, rounds=r.rounds))
    return rows, total, actual


# ---------------------------------------------------------------- one contestant's place


@dataclass
class Place:
    """A place within one board: `rank` of `of` ranked entries."""

    scope: str  # "track", "area", "unit"
    label: str
    rank: int
    of: int


@dataclass
class Standing:
    """A contestant's own place; computed per request for that contestant only, never cached or shared."""

    contest: Contest
    round: Round | None
    registration: Registration
    participated: bool
    ranked: bool
    disqualified: bool = False
    places: list[Place] = field(default_factory=list)
    attempts: int = 0
    correct: int | None = None
    total: int | None = None
    score: float | None = None
    duration_ms: int | None = None
    submitted_at: datetime | None = None
    prediction: int | None = None
    prediction_error: int | None = None
    rounds: int | None = None


def _count(model, conds) -> object:
    return select(func.count()).select_from(model).where(*conds).scalar_subquery()


def _ahead_round(base: list, me, actual: int | None) -> int:
    """How many entries with as many correct answers as `me` rank before `me` (domain.ranking.rank_key's order)."""
    ce = CountedEntry
    tail = tuple_(ce.duration_ms, ce.submitted_at, ce.attempt_id)
    mine = tuple_(me.duration_ms, me.submitted_at, me.attempt_id)
    level = [*base, ce.correct == me.correct]
    parts = []
    if actual is None:
        parts.append(_count(ce, [*level, tail < mine]))
    elif me.prediction is None:
        parts += [_count(ce, [*level, ce.prediction.isnot(None)]),
                  _count(ce, [*level, ce.prediction.is_(None), tail < mine])]
    else:
        error = abs(me.prediction - actual)
        if error:
            parts.append(_count(ce, [*level, ce.prediction.between(actual - error + 1, actual + error - 1)]))
            parts.append(_count(ce, [*level, ce.prediction == actual - error, tail < mine]))
        parts.append(_count(ce, [*level, ce.prediction == actual + error, tail < mine]))
    return sum(db.session.execute(select(*parts)).one())


def _ahead_contest(base: list, me) -> int:
    ct = ContestEntry
    tail = tuple_(ct.duration_ms, ct.last_submitted_at, ct.registration_id)
    mine = tuple_(me.duration_ms, me.last_submitted_at, me.registration_id)
    return db.session.scalar(select(func.count()).select_from(ct).where(*base, ct.correct == me.correct, tail < mine))


def standing(contest: Contest, user_id: int, now: datetime, round_id: int | None = None) -> Standing | None:
    """The signed-in contestant's place overall in their track, in their area and in their unit (None if not registered)."""
    reg = db.session.scalar(select(Registration).where(Registration.contest_id == contest.id,
                                                       Registration.user_id == user_id))
    if reg is None:
        return None
    rnd = ranked_round(contest, round_id) if round_id else None
    model = CountedEntry if rnd else ContestEntry
    scope_col = model.round_id == rnd.id if rnd else model.contest_id == contest.id
    me = db.session.execute(select(model).where(scope_col, model.registration_id == reg.id)).scalar_one_or_none()
    result = Standing(contest, rnd, reg, participated=me is not None, ranked=bool(me and me.correct is not None),
                      disqualified=reg.status == "disqualified")
    if me is None:
        return result
    result.attempts = me.attempts
    if not result.ranked:
        return result
    actual = prediction_actual(rnd) if rnd else None
    scopes = [("track", reg.track.name, [])]
    if me.group_area_id:
        scopes.append(("area", db.session.get(Area, me.group_area_id).name, [model.group_area_id == me.group_area_id]))
    if me.unit_id:
        scopes.append(("unit", db.session.get(Unit, me.unit_id).name, [model.unit_id == me.unit_id]))
    keys = {"track": (None, None), "area": (me.group_area_id, None), "unit": (None, me.unit_id)}
    for scope, label, filters in scopes:
        base = [scope_col, model.track_id == me.track_id, *filters]
        # Entries at higher levels come from the public per-level counts (a few seconds old at most while
        # the round is live); those at the contestant's own level are counted now.
        counts = _level_counts(model, base, _scope_key(contest, rnd, me.track_id, *keys[scope]))
        rank = 1 + sum(n for correct, n in counts if correct > me.correct) + (
            _ahead_round(base, me, actual) if rnd else _ahead_contest(base, me))
        result.places.append(Place(scope, label, rank, max(rank, sum(n for _, n in counts))))
    result.correct, result.duration_ms = me.correct, me.duration_ms
    if rnd:
        result.total, result.score, result.submitted_at = me.total, me.score, me.submitted_at
        result.prediction = me.prediction
        if revealed(rnd, now):
            result.prediction_error = ranking.prediction_error(_as_entry(me), actual)
    else:
        result.rounds, result.submitted_at = me.rounds, me.last_submitted_at
        result.score = round(me.score_sum / me.rounds, 2) if me.rounds else None
    return result


# ---------------------------------------------------------------- participation tables


@dataclass
class TableRow:
    """One area or unit: who registered, who took part, how well; its collective place when it has one."""

    id: int
    code: str
    name: str
    block: str
    registered: int
    participants: int
    attempts: int
    denominator: int | None  # staff count (units) or population (areas)
    rate: float | None
    mean_score: float | None
    perfect: int | None  # None while hidden
    rank: int | None
    excluded_reason: str | None = None


@dataclass
class Table:
    kind: str  # "area" or "unit"
    contest: Contest
    round: Round | None
    track: Track | None
    blocks: list[tuple[str, list[TableRow]]]
    perfect_hidden: bool = False

    @property
    def rows(self) -> list[TableRow]:
        return [row for _, rows in self.blocks for row in rows]


def group_areas(contest: Contest) -> tuple[list[Area], dict[int, int]]:
    """The areas the contest groups by, and for every area of its tree the group it belongs to."""
    areas = {a.id: a for a in db.session.scalars(select(Area).where(Area.contest_id == contest.id))}
    group_of: dict[int, int] = {}

    def group(area: Area) -> int | None:
        if area.id not in group_of:
            if area.level == contest.group_level or (area.level == "commune" and (
                    area.parent_id is None or areas[area.parent_id].level == "province")):
                group_of[area.id] = area.id  # a commune with no area of the grouping level above is its own group
            elif area.parent_id in areas:
                parent = group(areas[area.parent_id])
                if parent is None:
                    return None
                group_of[area.id] = parent
            else:
                return None
        return group_of[area.id]

    for area in areas.values():
        if area.level != "province":
            group(area)
    groups = [areas[g] for g in set(group_of.values())]
    return collation.sort(groups, lambda a: a.name), group_of


def _aggregates(contest: Contest, rnd: Round | None, track: Track | None, key: str) -> dict:
    model = CountedEntry if rnd else ContestEntry
    col = getattr(model, key)
    where = [model.round_id == rnd.id] if rnd else [model.contest_id == contest.id]
    if track is not None:
        where.append(model.track_id == track.id)
    if rnd:
        agg = (func.count(), func.sum(model.attempts), func.sum(model.score), func.count(model.correct),
               func.sum(case((model.perfect, 1), else_=0)))
    else:
        agg = (func.count(), func.sum(model.attempts), func.sum(model.score_sum), func.sum(model.rounds),
               func.sum(model.perfect))
    return {r[0]: r[1:] for r in db.session.execute(select(col, *agg).where(*where).group_by(col))}


def _registered(contest: Contest, track: Track | None, key: str) -> dict:
    col = getattr(Registration, key)
    where = [Registration.contest_id == contest.id, Registration.status == "active"]
    if track is not None:
        where.append(Registration.track_id == track.id)
    return dict(db.session.execute(select(col, func.count()).where(*where).group_by(col)).all())


def _stats(key, code, name, registered, agg, denominator) -> ranking.UnitStats:
    participants, attempts, score_sum, scored, perfect = agg or (0, 0, 0.0, 0, 0)
    mean = round(float(score_sum or 0) / scored, 2) if scored else None
    return ranking.UnitStats(str(key), name, registered, participants, int(attempts or 0), denominator, mean,
                             int(perfect or 0))


def _rows(ranked: list[ranking.RankedUnit], meta: dict, hide: bool) -> list[TableRow]:
    out = []
    for r in ranked:
        code, block = meta[r.unit.key]
        out.append(TableRow(int(r.unit.key), code, r.unit.name, block, r.unit.registered, r.unit.participants,
                            r.unit.attempts, r.unit.staff, r.rate, r.unit.mean_score,
                            None if hide else r.unit.perfect, r.rank, r.excluded_reason))
    return out


def _table(kind: str, build, contest: Contest, now: datetime, round_id: int | None, track_code: str | None,
           staff: bool) -> Table:
    """Resolve the round and track, decide what is hidden, and read the (shared, public) blocks."""
    rnd = ranked_round(contest, round_id) if round_id else None
    track = _track(contest, track_code) if track_code else None
    hide = not staff and hides_perfect_count(contest, rnd, now)
    blocks = shared.get((kind, contest.id, round_id, track_code, hide), lambda: build(contest, rnd, track, hide))
    return Table(kind, contest, rnd, track, blocks, hide)


def area_table(contest: Contest, now: datetime, round_id: int | None = None, track_code: str | None = None,
               staff: bool = False) -> Table:
    """Participation by the contest's grouping areas (district or commune), ranked by rate then mean score."""
    return _table("area", _area_blocks, contest, now, round_id, track_code, staff)


def _area_blocks(contest: Contest, rnd: Round | None, track: Track | None, hide: bool) -> list:
    areas, group_of = group_areas(contest)
    agg = _aggregates(contest, rnd, track, "group_area_id")
    registered: dict[int, int] = defaultdict(int)
    for area_id, n in _registered(contest, track, "area_id").items():
        if area_id in group_of:
            registered[group_of[area_id]] += n
    stats = [_stats(a.id, a.code, a.name, registered[a.id], agg.get(a.id), a.population) for a in areas]
    # Areas are not prize candidates: no minimum rate, only an order.
    ranked = ranking.collective_ranking(stats, min_rate=0.0, missing=ranking.MISSING_POPULATION)
    return [("", _rows(ranked, {str(a.id): (a.code, "") for a in areas}, hide))]


def unit_table(contest: Contest, now: datetime, round_id: int | None = None, track_code: str | None = None,
               staff: bool = False) -> Table:
    """Participation by unit, in blocks (collective prizes are per block), ranked by the contest's rule."""
    return _table("unit", _unit_blocks, contest, now, round_id, track_code, staff)


def _unit_blocks(contest: Contest, rnd: Round | None, track: Track | None, hide: bool) -> list:
    units = sorted(db.session.scalars(select(Unit).where(Unit.contest_id == contest.id)),
                   key=lambda u: (collation.key(u.block), collation.key(u.name)))
    agg = _aggregates(contest, rnd, track, "unit_id")
    registered = _registered(contest, track, "unit_id")
    meta = {str(u.id): (u.code, u.block) for u in units}
    blocks: dict[str, list] = defaultdict(list)
    for u in units:
        blocks[u.block].append(_stats(u.id, u.code, u.name, registered.get(u.id, 0), agg.get(u.id), u.staff_count))
    return [(block, _rows(ranking.collective_ranking(stats, contest.min_participation_rate), meta, hide))
            for block, stats in sorted(blocks.items(), key=lambda b: collation.key(b[0]))]


def distribution(rnd: Round, track_id: int | None = None) -> dict[int, int]:
    """How many counted entries have each number of correct answers."""
    ce = CountedEntry
    where = [ce.round_id == rnd.id, ce.correct.isnot(None)]
    if track_id is not None:
        where.append(ce.track_id == track_id)
    return dict(db.session.execute(select(ce.correct, func.count()).where(*where).group_by(ce.correct)).all())


def ranked_entries(rnd: Round) -> list[tuple[int, Entry, float]]:
    """Every ranked counted entry of the round as (track id, domain Entry, score): input for computing results."""
    db.session.flush()  # read through Core below (a whole round: no ORM per-row loading), which does not autoflush
    rows = db.session.connection().execute(select(CountedEntry.track_id, *_CE_BOARD_COLS).where(
        CountedEntry.round_id == rnd.id, CountedEntry.correct.isnot(None))).all()
    return [(r.track_id, _as_entry(r), r.score) for r in rows]

