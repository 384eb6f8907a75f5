"""Leaderboards: what the boards, standings and tables share (paging, reveal rules, scopes, entry rows)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select

from quizapp.domain.counting import Entry
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Area, Contest, CountedEntry, Round, Track, Unit
from quizapp.services.leaderboard_store import shared

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
