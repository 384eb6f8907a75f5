"""Round windows, attempt deadlines and the grace period."""
from datetime import UTC, datetime, timedelta, timezone

import pytest

from quizapp.domain.timing import (
    GRACE_SECONDS,
    accepts_answer,
    attempt_deadline,
    countdown_text,
    duration_words,
    is_expired,
    minutes_seconds,
    round_state,
    round_state_label,
    time_left_seconds,
)

UTC = UTC
ICT = timezone(timedelta(hours=7))
# Round 1: 00:00 Monday 3 March – 24:00 Sunday 9 March 2025, Vietnam time.
OPENS = datetime(2025, 3, 3, 0, 0, tzinfo=ICT).astimezone(UTC)
CLOSES = datetime(2025, 3, 10, 0, 0, tzinfo=ICT).astimezone(UTC)


def test_deadline_is_start_plus_time_limit():
    start = datetime(2025, 3, 5, 2, 0, tzinfo=UTC)
    assert attempt_deadline(start, 30 * 60, CLOSES) == start + timedelta(minutes=30)


def test_attempt_started_late_on_sunday_ends_when_the_round_closes():
    start = CLOSES - timedelta(minutes=10)
    assert attempt_deadline(start, 30 * 60, CLOSES) == CLOSES


def test_deadline_is_returned_in_utc_even_from_vietnam_time():
    start = datetime(2025, 3, 5, 9, 0, tzinfo=ICT)
    deadline = attempt_deadline(start, 1200, CLOSES)
    assert deadline.utcoffset() == timedelta(0)
    assert deadline == datetime(2025, 3, 5, 2, 20, tzinfo=UTC)


def test_time_limit_must_be_positive():
    with pytest.raises(ValueError):
        attempt_deadline(OPENS, 0, CLOSES)


def test_answer_accepted_within_the_grace_period_and_refused_after():
    deadline = datetime(2025, 3, 5, 2, 30, tzinfo=UTC)
    assert GRACE_SECONDS == 15
    assert accepts_answer(deadline - timedelta(seconds=1), deadline)
    assert accepts_answer(deadline + timedelta(seconds=15), deadline)
    assert not accepts_answer(deadline + timedelta(seconds=16), deadline)
    assert not is_expired(deadline + timedelta(seconds=15), deadline, GRACE_SECONDS)
    assert is_expired(deadline + timedelta(seconds=15, microseconds=1), deadline, GRACE_SECONDS)


def test_zero_grace_closes_exactly_at_the_deadline():
    deadline = datetime(2025, 3, 5, 2, 30, tzinfo=UTC)
    assert accepts_answer(deadline, deadline, grace=0)
    assert is_expired(deadline + timedelta(milliseconds=1), deadline, grace=0)


def test_time_left_counts_down_in_whole_seconds_and_stops_at_zero():
    deadline = datetime(2025, 3, 5, 2, 30, tzinfo=UTC)
    assert time_left_seconds(deadline - timedelta(minutes=20), deadline) == 1200
    assert time_left_seconds(deadline - timedelta(seconds=9, milliseconds=600), deadline) == 9
    assert time_left_seconds(deadline, deadline) == 0
    assert time_left_seconds(deadline + timedelta(minutes=5), deadline) == 0


def test_round_is_upcoming_then_open_then_closed():
    assert round_state(OPENS - timedelta(seconds=1), OPENS, CLOSES) == "upcoming"
    assert round_state(OPENS, OPENS, CLOSES) == "open"
    assert round_state(CLOSES - timedelta(seconds=1), OPENS, CLOSES) == "open"
    assert round_state(CLOSES, OPENS, CLOSES) == "closed"  # 24:00 Sunday is already closed


def test_round_that_closes_before_it_opens_is_rejected():
    with pytest.raises(ValueError):
        round_state(OPENS, CLOSES, OPENS)


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: attempt_deadline(naive, 60, CLOSES),
        lambda naive: accepts_answer(naive, CLOSES),
        lambda naive: is_expired(CLOSES, naive, 15),
        lambda naive: time_left_seconds(naive, CLOSES),
        lambda naive: round_state(naive, OPENS, CLOSES),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError):
        call(datetime(2025, 3, 5, 9, 0))


def test_countdown_to_opening_reads_in_days_hours_minutes():
    assert countdown_text(2 * 86400 + 3 * 3600 + 15 * 60 + 59) == "2 ngày 3 giờ 15 phút"
    assert countdown_text(0) == "0 ngày 0 giờ 0 phút"


def test_attempt_duration_shows_minutes_and_seconds_even_past_an_hour():
    assert minutes_seconds(125_400) == "2:05"
    assert minutes_seconds(75 * 60_000) == "1:15:00"  # as the results pages write it
    assert duration_words(125_400) == "2 phút 5 giây" and duration_words(75 * 60_000) == "75 phút 0 giây"
    assert minutes_seconds(None) == ""


def test_round_badge_says_practice_is_always_open():
    assert round_state_label("open", practice=False) == "Đang mở"
    assert round_state_label("upcoming", practice=False) == "Sắp mở"
    assert round_state_label("closed", practice=False) == "Đã kết thúc"
    assert round_state_label("open", practice=True) == "Luôn mở"
