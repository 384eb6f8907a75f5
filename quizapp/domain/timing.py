"""Time rules for rounds and attempts. All datetimes are timezone-aware; results are in UTC."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

# Answers sent up to this many seconds after the deadline are still accepted: the contestant's clock
# and a slow grassroots connection should not cost them the last answer they clicked in time.
GRACE_SECONDS = 15

ROUND_UPCOMING = "upcoming"
ROUND_OPEN = "open"
ROUND_CLOSED = "closed"
ROUND_STATE_LABELS = {ROUND_UPCOMING: "Sắp mở", ROUND_OPEN: "Đang mở", ROUND_CLOSED: "Đã kết thúc"}
PRACTICE_STATE_LABEL = "Luôn mở"  # the practice round has no window


def round_state_label(state: str, practice: bool) -> str:
    """The badge a round shows: its state, or "always open" for the practice round."""
    return PRACTICE_STATE_LABEL if practice else ROUND_STATE_LABELS[state]


def countdown_text(seconds: int) -> str:
    """Time until a round opens, as the page shows it before its script ticks: "2 ngày 3 giờ 15 phút"."""
    days, rest = divmod(max(0, int(seconds)), 86400)
    return f"{days} ngày {rest // 3600} giờ {rest % 3600 // 60} phút"


def minutes_seconds(ms: int | None) -> str:
    """An attempt's duration as the results pages write it (m:ss, h:mm:ss from an hour); "" when unknown."""
    from quizapp.domain.results import duration_text

    return "" if ms is None else duration_text(ms)


def duration_words(ms: int | None) -> str:
    """An attempt's duration in words, for the contestant: "12 phút 5 giây" (hours are counted in minutes)."""
    if ms is None:
        return ""
    seconds = max(0, int(ms)) // 1000
    return f"{seconds // 60} phút {seconds % 60} giây"


def _aware(*values: datetime) -> None:
    for value in values:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime not allowed (use UTC): {value!r}")


def attempt_deadline(started_at: datetime, time_limit_seconds: int, round_closes_at: datetime) -> datetime:
    """When the attempt must be submitted: the time limit, cut short by the round's closing time."""
    _aware(started_at, round_closes_at)
    if time_limit_seconds <= 0:
        raise ValueError("time_limit_seconds must be positive")
    by_limit = started_at + timedelta(seconds=time_limit_seconds)
    return min(by_limit, round_closes_at).astimezone(UTC)


def accepts_answer(now: datetime, deadline: datetime, grace: int = GRACE_SECONDS) -> bool:
    """True while answers and submission are still taken (deadline plus grace, inclusive)."""
    _aware(now, deadline)
    return now <= deadline + timedelta(seconds=grace)


def is_expired(now: datetime, deadline: datetime, grace: int = GRACE_SECONDS) -> bool:
    """True once the attempt can no longer take answers and must be closed as it stands."""
    return not accepts_answer(now, deadline, grace)


def time_left_seconds(now: datetime, deadline: datetime) -> int:
    """Whole seconds left before the deadline (rounded down, never negative; grace not included)."""
    _aware(now, deadline)
    return max(0, math.floor((deadline - now).total_seconds()))


def round_state(now: datetime, opens_at: datetime, closes_at: datetime) -> str:
    """"upcoming" before opens_at, "open" from opens_at until closes_at (exclusive), then "closed"."""
    _aware(now, opens_at, closes_at)
    if closes_at <= opens_at:
        raise ValueError("a round must close after it opens")
    if now < opens_at:
        return ROUND_UPCOMING
    return ROUND_OPEN if now < closes_at else ROUND_CLOSED
