"""Individual ranking with tie-breaks, and collective (unit) ranking by participation rate."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .counting import Entry, pick_entry
from .text import fold_accents


class PredictionMode(StrEnum):
    """What the tie-break prediction question asks contestants to guess."""

    PERFECT_COUNT = "perfect_count"
    PARTICIPANT_COUNT = "participant_count"


PREDICTION_MODES = tuple(PredictionMode)
PREDICTION_MODE_LABELS = {
    "perfect_count": "Dự đoán số người trả lời đúng tất cả các câu hỏi",
    "participant_count": "Dự đoán số người tham gia",
}


@dataclass(frozen=True)
class RankedEntry:
    """An entry with its place (1..n, never shared) and its distance from the prediction answer."""

    rank: int
    entry: Entry
    prediction_error: int | None


def prediction_target(entries: list[Entry], mode: str) -> int:
    """The actual answer to the prediction question, counted over non-disqualified entries."""
    counted = [e for e in entries if not e.disqualified]
    if mode == "perfect_count":
        return sum(1 for e in counted if e.perfect)
    if mode == "participant_count":
        return len({e.contestant_id for e in counted})
    raise ValueError(f"unknown prediction mode: {mode!r}")


def prediction_error(entry: Entry, actual: int | None) -> int | None:
    """How far the entry's prediction is from the actual value; None without a prediction or question."""
    if actual is None or entry.prediction is None:
        return None
    return abs(entry.prediction - actual)


def rank_key(entry: Entry, actual: int | None) -> tuple:
    """The sort key of the round ranking: smaller ranks first (see rank_entries)."""
    error = prediction_error(entry, actual)
    if actual is None:
        by_prediction = (0, 0)  # no prediction question: this step is skipped
    else:
        by_prediction = (1, 0) if error is None else (0, error)  # no prediction = after every prediction
    return (-entry.correct, by_prediction, entry.duration_ms, entry.submitted_at, entry.attempt_id)


def rank_entries(entries: list[Entry], prediction_actual: int | None) -> list[RankedEntry]:
    """Rank entries: more correct, closer prediction, shorter time, earlier submission, lower attempt id.

    Disqualified entries are left out. The attempt id settles any remaining tie, so ranks run 1..n.
    """
    kept = sorted((e for e in entries if not e.disqualified), key=lambda e: rank_key(e, prediction_actual))
    return [
        RankedEntry(rank, entry, prediction_error(entry, prediction_actual))
        for rank, entry in enumerate(kept, start=1)
    ]


def rank_round(all_attempts: list[Entry], rule: str, prediction_mode: str | None) -> list[RankedEntry]:
    """Rank a round: pick each contestant's counted attempt, work out the prediction answer, rank."""
    by_contestant: dict[int, list[Entry]] = defaultdict(list)
    for attempt in all_attempts:
        by_contestant[attempt.contestant_id].append(attempt)
    picked = [pick_entry(attempts, rule) for attempts in by_contestant.values()]
    counted = [e for e in picked if e is not None]
    actual = prediction_target(counted, prediction_mode) if prediction_mode else None
    return rank_entries(counted, actual)


@dataclass(frozen=True)
class UnitStats:
    """Participation figures of one unit (department, commune...) for collective prizes."""

    key: str
    name: str
    registered: int
    participants: int
    attempts: int
    staff: int | None
    mean_score: float | None
    perfect: int


@dataclass(frozen=True)
class RankedUnit:
    """A unit's place in the collective ranking; rank None with a Vietnamese reason when not eligible."""

    rank: int | None
    unit: UnitStats
    rate: float | None
    excluded_reason: str | None = None


def participation_rate(unit: UnitStats) -> float | None:
    """Participants / staff; None when the staff number is missing or zero."""
    return unit.participants / unit.staff if unit.staff else None


def percent(value: float) -> str:
    """Vietnamese percentage rounded down to 0.1, e.g. 0.325 -> "32,5%" (0.4999 is "49,9%", not "50%")."""
    tenths = math.floor(value * 1000 + 1e-9)
    return f"{tenths // 10},{tenths % 10}%" if tenths % 10 else f"{tenths // 10}%"


MISSING_STAFF = "Chưa có số cán bộ, công chức, viên chức của đơn vị nên không tính được tỷ lệ tham gia."
MISSING_POPULATION = "Chưa có số dân của địa bàn nên không tính được tỷ lệ tham gia."


def _exclusion(rate: float | None, min_rate: float, missing: str = MISSING_STAFF) -> str | None:
    if rate is None:
        return missing
    if rate < min_rate:
        return f"Tỷ lệ tham gia {percent(rate)}, thấp hơn mức tối thiểu {percent(min_rate)}."
    return None


def _unit_key(unit: UnitStats, rate: float | None) -> tuple:
    mean = unit.mean_score
    return (
        rate is None, -(rate or 0.0),
        mean is None, -(mean or 0.0),
        fold_accents(unit.name), unit.name, unit.key,
    )


def collective_ranking(rows: list[UnitStats], min_rate: float = 0.5, missing: str = MISSING_STAFF) -> list[RankedUnit]:
    """Rank units by participation rate, then mean score, then name; ineligible units follow unranked.

    `staff` is the denominator of the rate: a unit's staff count, or an area's population (pass
    missing=MISSING_POPULATION so the reason given for an area without one says so).
    """
    rated = sorted(((u, participation_rate(u)) for u in rows), key=lambda pair: _unit_key(*pair))
    ranked: list[RankedUnit] = []
    excluded: list[RankedUnit] = []
    for unit, rate in rated:
        reason = _exclusion(rate, min_rate, missing)
        if reason:
            excluded.append(RankedUnit(None, unit, rate, reason))
        else:
            ranked.append(RankedUnit(len(ranked) + 1, unit, rate))
    return ranked + excluded


# --- across the contest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContestTotal:
    """A contestant's counted entries summed over the contest's ranked rounds.

    The prediction question belongs to one round (its answer is that round's count), so it does not
    carry across rounds: the contest-wide order is total correct, then total time, then who reached
    their total first (the latest of their counted submissions), then the contestant id.
    """

    contestant_id: int
    correct: int
    duration_ms: int
    last_submitted_at: datetime
    rounds: int = 1


@dataclass(frozen=True)
class RankedTotal:
    rank: int
    total: ContestTotal


def contest_rank_key(total: ContestTotal) -> tuple:
    """The sort key of the contest-wide ranking: smaller ranks first."""
    return (-total.correct, total.duration_ms, total.last_submitted_at, total.contestant_id)


def contest_total(contestant_id: int, counted: list[Entry]) -> ContestTotal | None:
    """Sum one contestant's counted round entries (disqualified ones left out); None if none counts."""
    kept = [e for e in counted if not e.disqualified]
    if not kept:
        return None
    return ContestTotal(contestant_id, sum(e.correct for e in kept), sum(e.duration_ms for e in kept),
                        max(e.submitted_at for e in kept), len(kept))


def rank_contest(totals: list[ContestTotal]) -> list[RankedTotal]:
    """Rank contest totals; places run 1..n and are never shared."""
    return [RankedTotal(rank, t) for rank, t in enumerate(sorted(totals, key=contest_rank_key), start=1)]
