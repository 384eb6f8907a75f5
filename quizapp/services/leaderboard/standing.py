"""Leaderboards: one contestant's own place, counted on every request."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, tuple_

from quizapp.domain import ranking
from quizapp.extensions import db
from quizapp.models import Area, Contest, ContestEntry, CountedEntry, Registration, Round, Unit
from quizapp.services.leaderboard.boards import (
    _scope_key,
)
from quizapp.services.leaderboard.common import (
    _as_entry,
    _level_counts,
    prediction_actual,
    ranked_round,
    revealed,
)


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
