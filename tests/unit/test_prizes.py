"""Prize configuration and who gets which prize."""
import pytest

from quizapp.domain.errors import DomainError
from quizapp.domain.prizes import (
    PrizeCounts,
    award,
    collective_counts,
    effective_config,
    individual_counts,
    parse_counts,
    validate_config,
)

DEMO = {"individual": {"first": 1, "second": 2, "third": 3, "consolation": 5},
        "collective": {"first": 1, "second": 1, "third": 1}}


def test_prizes_go_down_the_ranking_in_order():
    assert award(12, individual_counts(DEMO, "citizens")) == (
        ["first"] + ["second"] * 2 + ["third"] * 3 + ["consolation"] * 5 + [None])


def test_fewer_contestants_than_prizes_leaves_the_lower_prizes_unawarded():
    assert award(2, individual_counts(DEMO, "officials")) == ["first", "second"]
    assert award(0, individual_counts(DEMO, "officials")) == []


def test_each_track_may_have_its_own_counts_with_a_default():
    config = {"individual": {"officials": {"first": 2}, "*": {"first": 1, "consolation": 1}}}
    assert individual_counts(config, "officials") == PrizeCounts(first=2)
    assert individual_counts(config, "citizens") == PrizeCounts(first=1, consolation=1)


def test_collective_prizes_and_no_configuration_at_all():
    assert collective_counts(DEMO) == PrizeCounts(1, 1, 1, 0)
    assert award(5, individual_counts(None, "citizens")) == [None] * 5


def test_a_round_overrides_the_contest_part_by_part():
    merged = effective_config(DEMO, {"individual": {"first": 3}})
    assert individual_counts(merged, "x") == PrizeCounts(first=3)
    assert collective_counts(merged) == PrizeCounts(1, 1, 1, 0)


@pytest.mark.parametrize("bad", [{"first": -1}, {"first": "2"}, {"gold": 1}, {"first": True}, [1, 2]])
def test_bad_counts_are_refused_in_vietnamese(bad):
    with pytest.raises(DomainError) as e:
        parse_counts(bad)
    assert e.value.code == "prize_config"


def test_a_whole_configuration_is_checked():
    assert validate_config(DEMO) == DEMO
    with pytest.raises(DomainError):
        validate_config({"individual": {"officials": {"first": -2}}})
    with pytest.raises(DomainError):
        validate_config({"bonus": {}})
