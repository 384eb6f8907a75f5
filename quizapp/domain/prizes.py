"""Prizes: how many of each prize a round's track (or a block of units) awards, and who gets them.

The configuration is plain JSON kept on the contest (and optionally overridden per round):

    {"individual": {"first": 1, "second": 2, "third": 3, "consolation": 5},
     "collective": {"first": 1, "second": 1, "third": 1}}

"individual" may instead map track codes to counts ({"officials": {...}, "citizens": {...}}, with "*" for
the others). Individual prizes go down the ranking of each track; collective prizes down the collective
ranking of each block of units (units that are not ranked, e.g. under the minimum rate, get none).
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import DomainError

PRIZES = ("first", "second", "third", "consolation")
PRIZE_LABELS = {"first": "Giải Nhất", "second": "Giải Nhì", "third": "Giải Ba", "consolation": "Giải Khuyến khích"}
MAX_PER_PRIZE = 1000


@dataclass(frozen=True)
class PrizeCounts:
    first: int = 0
    second: int = 0
    third: int = 0
    consolation: int = 0

    @property
    def total(self) -> int:
        return self.first + self.second + self.third + self.consolation

    def as_dict(self) -> dict[str, int]:
        return {p: getattr(self, p) for p in PRIZES}


NONE = PrizeCounts()


def parse_counts(raw: object) -> PrizeCounts:
    """Counts from {"first": 1, ...}; unknown keys or bad numbers raise DomainError (Vietnamese)."""
    if raw in (None, {}):
        return NONE
    if not isinstance(raw, dict):
        raise DomainError("Cấu hình giải thưởng phải có dạng {\"first\": 1, \"second\": 2, ...}.", "prize_config")
    unknown = set(raw) - set(PRIZES)
    if unknown:
        raise DomainError(f"Loại giải không hợp lệ: {', '.join(sorted(unknown))}.", "prize_config")
    counts = {}
    for prize in PRIZES:
        value = raw.get(prize, 0)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PER_PRIZE:
            raise DomainError(f"Số {PRIZE_LABELS[prize].lower()} phải là số nguyên từ 0 đến {MAX_PER_PRIZE}.",
                              "prize_config")
        counts[prize] = value
    return PrizeCounts(**counts)


def _is_per_track(individual: dict) -> bool:
    return bool(individual) and all(isinstance(v, dict) for v in individual.values())


def effective_config(contest_config: dict | None, round_config: dict | None) -> dict:
    """The round's own configuration where it has one, else the contest's (each part separately)."""
    contest_config, round_config = contest_config or {}, round_config or {}
    return {part: round_config.get(part) or contest_config.get(part) or {} for part in ("individual", "collective")}


def individual_counts(config: dict | None, track_code: str) -> PrizeCounts:
    """How many individual prizes of each kind the track awards."""
    individual = (config or {}).get("individual") or {}
    if _is_per_track(individual):
        return parse_counts(individual.get(track_code, individual.get("*")))
    return parse_counts(individual)


def collective_counts(config: dict | None) -> PrizeCounts:
    return parse_counts((config or {}).get("collective"))


def validate_config(config: dict | None) -> dict:
    """Check a whole configuration; returns it unchanged or raises DomainError."""
    config = config or {}
    unknown = set(config) - {"individual", "collective"}
    if unknown:
        raise DomainError(f"Phần cấu hình không hợp lệ: {', '.join(sorted(unknown))}.", "prize_config")
    individual = config.get("individual") or {}
    for counts in (individual.values() if _is_per_track(individual) else [individual]):
        parse_counts(counts)
    collective_counts(config)
    return config


def award(ranked_count: int, counts: PrizeCounts) -> list[str | None]:
    """The prize of each place 1..ranked_count, in order (None past the last prize)."""
    prizes: list[str | None] = []
    for prize in PRIZES:
        prizes.extend([prize] * getattr(counts, prize))
    prizes = prizes[:ranked_count]
    return prizes + [None] * (ranked_count - len(prizes))
