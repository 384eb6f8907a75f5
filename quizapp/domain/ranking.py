"""Individual ranking with tie-breaks, and collective (unit) ranking by participation rate."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from .counting import Entry, pick_entry
from .text import fold_accents

PREDICTION_MODES = ("perfect_count", "participant_count")
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


def _prediction_error(entry: Entry, actual: int | None) -> int | None:
    if actual is None or entry.prediction is None:
        return None
    return abs(entry.prediction - actual)


def _rank_key(entry: Entry, actual: int | None) -> tuple:
    error = _prediction_error(entry, actual)
    if actual is None:
        by_prediction = (0, 0)  # no prediction question: this step is skipped
    else:
        by_prediction = (1, 0) if error is None else (0, error)  # no prediction = after every prediction
    return (-entry.correct, by_prediction, entry.duration_ms, entry.submitted_at, entry.attempt_id)


def rank_entries(entries: list[Entry], prediction_actual: int | None) -> list[RankedEntry]:
    """Rank entries: more correct, closer prediction, shorter time, earlier submission, lower attempt id.

    Disqualified entries are left out. The attempt id settles any remaining tie, so ranks run 1..n.
    """
    kept = sorted((e for e in entries if not e.disqualified), key=lambda e: _rank_key(e, prediction_actual))
    return [
        RankedEntry(rank, entry, _prediction_error(entry, prediction_actual))
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


def _percent(value: float) -> str:
    """Vietnamese percentage rounded down to 0.1, e.g. 0.325 -> "32,5%" (0.4999 is "49,9%", not "50%")."""
    tenths = math.floor(value * 1000 + 1e-9)
    return f"{tenths // 10},{tenths % 10}%" if tenths % 10 else f"{tenths // 10}%"


def _exclusion(rate: float | None, min_rate: float) -> str | None:
    if rate is None:
        return "Chưa có số cán bộ, công chức, viên chức của đơn vị nên không tính được tỷ lệ tham gia."
    if rate < min_rate:
        return f"Tỷ lệ tham gia {_percent(rate)}, thấp hơn mức tối thiểu {_percent(min_rate)}."
    return None


def _unit_key(unit: UnitStats, rate: float | None) -> tuple:
    mean = unit.mean_score
    return (
        rate is None, -(rate or 0.0),
        mean is None, -(mean or 0.0),
        fold_accents(unit.name), unit.name, unit.key,
    )


def collective_ranking(rows: list[UnitStats], min_rate: float = 0.5) -> list[RankedUnit]:
    """Rank units by participation rate, then mean score, then name; ineligible units follow unranked."""
    rated = sorted(((u, participation_rate(u)) for u in rows), key=lambda pair: _unit_key(*pair))
    ranked: list[RankedUnit] = []
    excluded: list[RankedUnit] = []
    for unit, rate in rated:
        reason = _exclusion(rate, min_rate)
        if reason:
            excluded.append(RankedUnit(None, unit, rate, reason))
        else:
            ranked.append(RankedUnit(len(ranked) + 1, unit, rate))
    return ranked + excluded
