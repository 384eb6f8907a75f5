"""Which of a contestant's attempts counts in a round, and whether they may start another one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import DomainError


class CountingRule(StrEnum):
    """Which of a contestant's attempts counts in a round."""

    BEST = "best"
    FIRST = "first"
    LAST = "last"
    EARLIEST_PERFECT = "earliest_perfect"


COUNTING_RULES = tuple(CountingRule)
COUNTING_RULE_LABELS = {
    "best": "Tính lượt thi có kết quả tốt nhất",
    "first": "Tính lượt thi đầu tiên",
    "last": "Tính lượt thi cuối cùng",
    "earliest_perfect": "Tính lượt thi trả lời đúng tất cả sớm nhất",
}


@dataclass(frozen=True)
class Entry:
    """A submitted attempt as the rules see it."""

    attempt_id: int
    contestant_id: int
    correct: int
    total: int
    duration_ms: int
    submitted_at: datetime
    prediction: int | None
    disqualified: bool = False

    @property
    def perfect(self) -> bool:
        """True when every question was answered correctly."""
        return self.total > 0 and self.correct == self.total


def _best_key(entry: Entry) -> tuple:
    return (-entry.correct, entry.duration_ms, entry.submitted_at, entry.attempt_id)


def _time_key(entry: Entry) -> tuple:
    return (entry.submitted_at, entry.attempt_id)


def pick_entry(attempts: list[Entry], rule: str) -> Entry | None:
    """The attempt that counts for one contestant under `rule`, or None if none counts.

    Disqualified attempts are ignored. "best": most correct, then shortest duration, then earliest
    submission, then lowest attempt id. "first"/"last": by submission time. "earliest_perfect": the
    earliest all-correct attempt; a contestant without one gets None and is not ranked under that rule.
    """
    if rule not in COUNTING_RULES:
        raise ValueError(f"unknown counting rule: {rule!r}")
    if len({a.contestant_id for a in attempts}) > 1:
        raise ValueError("pick_entry takes the attempts of one contestant")
    valid = [a for a in attempts if not a.disqualified]
    if rule == "earliest_perfect":
        valid = [a for a in valid if a.perfect]
    if not valid:
        return None
    if rule == "best":
        return min(valid, key=_best_key)
    if rule == "last":
        return max(valid, key=_time_key)
    return min(valid, key=_time_key)


def check_can_start(attempts_used: int, attempts_allowed: int | None, has_in_progress: bool) -> None:
    """Raise DomainError unless the contestant may start a new attempt (attempts_allowed None = unlimited)."""
    if has_in_progress:
        raise DomainError(
            "Bạn đang có một lượt thi chưa nộp bài. Hãy tiếp tục và nộp lượt đó trước khi bắt đầu lượt mới.",
            code="attempt_in_progress",
        )
    if attempts_allowed is not None and attempts_used >= attempts_allowed:
        raise DomainError(
            f"Bạn đã dùng hết {attempts_allowed} lượt thi được phép của vòng thi này.",
            code="attempt_limit",
        )
