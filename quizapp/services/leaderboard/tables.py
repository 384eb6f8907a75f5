"""Leaderboards: the tables of communes and of units (participation and scores)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from quizapp.domain import collation, ranking
from quizapp.extensions import db
from quizapp.models import Area, Contest, ContestEntry, CountedEntry, Registration, Round, Track, Unit
from quizapp.services.leaderboard.common import (
    _track,
    hides_perfect_count,
    ranked_round,
)
from quizapp.services.leaderboard_store import shared


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
