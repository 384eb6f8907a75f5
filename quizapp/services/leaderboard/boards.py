"""Leaderboards: the ranked boards of a round or of the whole contest, read from the aggregates."""
from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from sqlalchemy import func, select

from quizapp.domain import ranking
from quizapp.domain.counting import Entry
from quizapp.extensions import db
from quizapp.models import Area, Contest, ContestEntry, CountedEntry, Registration, Round, Track, Unit, User
from quizapp.services.leaderboard.common import (
    _CE_BOARD_COLS,
    _as_entry,
    _level_counts,
    _levels,
    _page,
    _scope,
    _track,
    prediction_actual,
    ranked_round,
    revealed,
)
from quizapp.services.leaderboard_store import shared


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
