"""Which attempt counts ("best of 3", "earliest perfect"...) and whether another may start."""
from datetime import UTC, datetime, timedelta

import pytest

from quizapp.domain.counting import (
    COUNTING_RULE_LABELS,
    COUNTING_RULES,
    Entry,
    check_can_start,
    pick_entry,
)
from quizapp.domain.errors import DomainError

MONDAY = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def attempt(attempt_id, correct, duration_s=600, day=0, total=20, disqualified=False, contestant=7):
    return Entry(
        attempt_id=attempt_id,
        contestant_id=contestant,
        correct=correct,
        total=total,
        duration_ms=duration_s * 1000,
        submitted_at=MONDAY + timedelta(days=day),
        prediction=100,
        disqualified=disqualified,
    )


# A contestant's three attempts of the week: 17/20 on Monday, 20/20 on Wednesday, 19/20 on Friday.
MON = attempt(11, 17, day=0)
WED = attempt(12, 20, day=2, duration_s=900)
FRI = attempt(13, 19, day=4)
WEEK = [FRI, MON, WED]  # order as loaded must not matter


def test_every_rule_has_a_vietnamese_label():
    assert set(COUNTING_RULE_LABELS) == set(COUNTING_RULES)
    assert COUNTING_RULE_LABELS["best"].startswith("Tính lượt thi")


@pytest.mark.parametrize(
    "rule, expected",
    [("best", WED), ("first", MON), ("last", FRI), ("earliest_perfect", WED)],
)
def test_three_attempts_under_each_counting_rule(rule, expected):
    assert pick_entry(WEEK, rule) == expected


def test_best_with_same_correct_prefers_shorter_time():
    slow, fast = attempt(1, 18, duration_s=900, day=0), attempt(2, 18, duration_s=500, day=1)
    assert pick_entry([slow, fast], "best") == fast


def test_best_with_same_correct_and_time_prefers_earlier_submission():
    early, late = attempt(5, 18, day=0), attempt(4, 18, day=1)
    assert pick_entry([late, early], "best") == early


def test_best_with_everything_equal_prefers_lower_attempt_id():
    a, b = attempt(9, 18), attempt(8, 18)
    assert pick_entry([a, b], "best") == b


def test_earliest_perfect_takes_the_first_all_correct_attempt_not_the_fastest():
    first_perfect = attempt(1, 20, duration_s=1000, day=1)
    faster_perfect = attempt(2, 20, duration_s=300, day=3)
    assert pick_entry([faster_perfect, first_perfect], "earliest_perfect") == first_perfect


def test_no_perfect_attempt_means_no_entry_under_earliest_perfect():
    assert pick_entry([MON, FRI], "earliest_perfect") is None


def test_disqualified_attempts_never_count():
    voided_perfect = attempt(20, 20, day=0, disqualified=True)
    assert pick_entry([voided_perfect, MON], "best") == MON
    assert pick_entry([voided_perfect, MON], "earliest_perfect") is None
    assert pick_entry([voided_perfect], "first") is None


def test_no_attempts_means_no_entry():
    assert pick_entry([], "best") is None


def test_unknown_rule_and_mixed_contestants_are_programming_errors():
    with pytest.raises(ValueError):
        pick_entry(WEEK, "average")
    with pytest.raises(ValueError):
        pick_entry([MON, attempt(99, 20, contestant=8)], "best")


def test_may_start_while_attempts_remain():
    check_can_start(2, 3, has_in_progress=False)
    check_can_start(50, None, has_in_progress=False)  # practice round: unlimited


def test_cannot_start_after_the_last_allowed_attempt():
    with pytest.raises(DomainError) as exc:
        check_can_start(3, 3, has_in_progress=False)
    assert exc.value.code == "attempt_limit"
    assert "hết 3 lượt thi" in exc.value.message


def test_cannot_start_a_second_attempt_while_one_is_open():
    with pytest.raises(DomainError) as exc:
        check_can_start(0, None, has_in_progress=True)
    assert exc.value.code == "attempt_in_progress"
    assert "chưa nộp bài" in exc.value.message
