"""The states of an attempt, and their Vietnamese labels."""
from __future__ import annotations

from enum import StrEnum


class AttemptStatus(StrEnum):
    """An attempt starts in progress and ends submitted (by the contestant) or expired (by the clock)."""

    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    EXPIRED = "expired"


ATTEMPT_STATUS_LABELS = {
    AttemptStatus.IN_PROGRESS: "Đang làm",
    AttemptStatus.SUBMITTED: "Đã nộp",
    AttemptStatus.EXPIRED: "Hết giờ",
}


def sql_in(column: str, values) -> str:
    """`column IN ('a','b')` for a CHECK constraint built from an enum (the exact text the migrations use)."""
    return f"{column} IN ({','.join(repr(str(v)) for v in values)})"
