"""Individual ranking with the contest's tie-breaks, and collective ranking of units."""
from datetime import UTC, datetime, timedelta

import pytest

from quizapp.domain.counting import Entry
from quizapp.domain.ranking import (
    RankedUnit,
    UnitStats,
    collective_ranking,
    prediction_target,
    rank_entries,
    rank_round,
)

MONDAY = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def entry(attempt_id, correct=20, prediction=150, duration_s=600, minute=0, contestant=None, total=20, **kw):
    return Entry(
        attempt_id=attempt_id,
        contestant_id=attempt_id if contestant is None else contestant,
        correct=correct,
        total=total,
        duration_ms=duration_s * 1000,
        submitted_at=MONDAY + timedelta(minutes=minute),
        prediction=prediction,
        **kw,
    )


def order(ranked):
    return [r.entry.attempt_id for r in ranked]


# --- tie-breaks, one step at a time -------------------------------------------------------------------


def test_more_correct_answers_rank_first_whatever_the_prediction_and_time():
    exact_and_fast = entry(1, correct=19, prediction=150, duration_s=60)
    ranked = rank_entries([exact_and_fast, entry(2, correct=20, prediction=9)], 150)
    assert order(ranked) == [2, 1]


def test_same_correct_closest_prediction_decides():
    ranked = rank_entries([entry(1, prediction=180), entry(2, prediction=140), entry(3, prediction=151)], 150)
    assert order(ranked) == [3, 2, 1]
    assert [r.prediction_error for r in ranked] == [1, 10, 30]


def test_prediction_above_and_below_by_the_same_amount_tie_and_time_decides():
    above, below = entry(1, prediction=160, duration_s=700), entry(2, prediction=140, duration_s=650)
    ranked = rank_entries([above, below], 150)
    assert order(ranked) == [2, 1]
    assert [r.prediction_error for r in ranked] == [10, 10]


def test_same_prediction_error_shorter_time_decides():
    ranked = rank_entries([entry(1, duration_s=601), entry(2, duration_s=600)], 150)
    assert order(ranked) == [2, 1]


def test_same_time_earlier_submission_decides():
    ranked = rank_entries([entry(1, minute=30), entry(2, minute=5)], 150)
    assert order(ranked) == [2, 1]


def test_same_everything_attempt_id_decides_and_ranks_are_never_shared():
    ranked = rank_entries([entry(9), entry(4), entry(7)], 150)
    assert order(ranked) == [4, 7, 9]
    assert [r.rank for r in ranked] == [1, 2, 3]


def test_missing_prediction_ranks_after_any_prediction_however_far():
    ranked = rank_entries([entry(1, prediction=None, duration_s=10), entry(2, prediction=100_000)], 150)
    assert order(ranked) == [2, 1]
    assert ranked[1].prediction_error is None


def test_missing_prediction_does_not_beat_more_correct_answers():
    ranked = rank_entries([entry(1, correct=19), entry(2, correct=20, prediction=None)], 150)
    assert order(ranked) == [2, 1]


def test_without_a_prediction_question_time_decides_directly():
    predicted, silent = entry(1, prediction=150, duration_s=700), entry(2, prediction=None, duration_s=600)
    ranked = rank_entries([predicted, silent], None)
    assert order(ranked) == [2, 1]
    assert all(r.prediction_error is None for r in ranked)


def test_disqualified_entries_never_rank():
    ranked = rank_entries([entry(1, disqualified=True, duration_s=1), entry(2), entry(3, correct=5)], 150)
    assert order(ranked) == [2, 3]
    assert [r.rank for r in ranked] == [1, 2]


def test_no_entries_gives_an_empty_ranking():
    assert rank_entries([], 0) == []


# --- prediction target ---------------------------------------------------------------------------------


def test_prediction_target_counts_perfect_entries():
    entries = [entry(1), entry(2), entry(3, correct=19), entry(4, disqualified=True)]
    assert prediction_target(entries, "perfect_count") == 2


def test_round_with_no_perfect_score_has_prediction_target_zero():
    entries = [entry(1, correct=18, prediction=0), entry(2, correct=18, prediction=3)]
    assert prediction_target(entries, "perfect_count") == 0
    assert order(rank_entries(entries, 0)) == [1, 2]


def test_prediction_target_counts_distinct_participants():
    entries = [entry(1, contestant=5), entry(2, contestant=5), entry(3, contestant=6)]
    assert prediction_target(entries, "participant_count") == 2


def test_unknown_prediction_mode_is_a_programming_error():
    with pytest.raises(ValueError):
        prediction_target([], "guess")


# --- a whole round ------------------------------------------------------------------------------------

# Lan (contestant 1) tries three times; Minh (2) once; Hoa (3) twice but her perfect attempt is voided.
LAN = [
    entry(11, contestant=1, correct=18, duration_s=500, minute=0, prediction=3),
    entry(12, contestant=1, correct=20, duration_s=900, minute=60, prediction=3),
    entry(13, contestant=1, correct=19, duration_s=400, minute=120, prediction=3),
]
MINH = [entry(21, contestant=2, correct=20, duration_s=700, minute=30, prediction=10)]
HOA = [
    entry(31, contestant=3, correct=20, duration_s=300, minute=10, prediction=2, disqualified=True),
    entry(32, contestant=3, correct=17, duration_s=300, minute=20, prediction=2),
]
ROUND = LAN + MINH + HOA


def test_round_under_best_counts_each_contestants_best_attempt():
    ranked = rank_round(ROUND, "best", "perfect_count")
    assert order(ranked) == [12, 21, 32]  # target 2 perfect: Lan predicted 3 (error 1), Minh 10 (error 8)
    assert [r.prediction_error for r in ranked] == [1, 8, 0]


def test_round_under_first_counts_first_attempts():
    ranked = rank_round(ROUND, "first", "perfect_count")
    # First valid attempts: Lan 18, Minh 20, Hoa 17 -> one perfect score.
    assert order(ranked) == [21, 11, 32]
    assert ranked[0].prediction_error == 9


def test_round_under_last_counts_last_attempts():
    assert order(rank_round(ROUND, "last", None)) == [21, 13, 32]


def test_round_under_earliest_perfect_ranks_only_contestants_with_a_perfect_attempt():
    ranked = rank_round(ROUND, "earliest_perfect", "perfect_count")
    assert order(ranked) == [12, 21]  # Hoa's only perfect attempt was voided
    assert [r.prediction_error for r in ranked] == [1, 8]


def test_round_with_participant_count_prediction():
    ranked = rank_round(ROUND, "best", "participant_count")  # 3 took part
    assert [r.prediction_error for r in ranked] == [0, 7, 1]


def test_each_contestant_appears_once():
    ranked = rank_round(ROUND, "best", "perfect_count")
    assert len({r.entry.contestant_id for r in ranked}) == len(ranked) == 3


# --- collective ranking ------------------------------------------------------------------------------


def unit(key, name, participants, staff, mean_score=80.0):
    return UnitStats(key, name, participants + 5, participants, participants * 2, staff, mean_score, 0)


def test_units_rank_by_participation_rate_not_by_headcount():
    rows = [unit("so-tu-phap", "Sở Tư pháp", 80, 100), unit("phuong-an-cuu", "Phường An Cựu", 45, 50)]
    ranked = collective_ranking(rows)
    assert [(r.rank, r.unit.key, r.rate) for r in ranked] == [
        (1, "phuong-an-cuu", 0.9),
        (2, "so-tu-phap", 0.8),
    ]


def test_same_rate_higher_mean_score_wins_then_name():
    rows = [
        unit("c", "Xã Phú Vang", 30, 40, mean_score=70.0),
        unit("b", "Xã Bình Điền", 30, 40, mean_score=85.5),
        unit("a", "Xã Đông Sơn", 30, 40, mean_score=70.0),
    ]
    assert [r.unit.name for r in collective_ranking(rows)] == ["Xã Bình Điền", "Xã Đông Sơn", "Xã Phú Vang"]


def test_units_under_half_participation_are_listed_after_unranked_with_reason():
    rows = [unit("low", "Sở Xây dựng", 13, 40), unit("ok", "Sở Nội vụ", 30, 40)]
    ranked = collective_ranking(rows)
    assert ranked[0] == RankedUnit(1, rows[1], 0.75, None)
    assert ranked[1].rank is None and ranked[1].rate == 0.325
    assert ranked[1].excluded_reason == "Tỷ lệ tham gia 32,5%, thấp hơn mức tối thiểu 50%."


def test_unit_without_staff_number_has_no_rate_and_is_not_ranked():
    rows = [unit("x", "Xã A Lưới", 10, None), unit("y", "Xã Hồng Thủy", 10, 0), unit("z", "Sở Y tế", 9, 10)]
    ranked = collective_ranking(rows)
    assert [r.rank for r in ranked] == [1, None, None]
    assert ranked[1].rate is None and "số cán bộ" in ranked[1].excluded_reason


def test_rate_just_under_the_minimum_is_not_shown_as_the_minimum():
    [excluded] = collective_ranking([unit("a", "Phường Thuận Hóa", 4999, 10000)])
    assert excluded.excluded_reason == "Tỷ lệ tham gia 49,9%, thấp hơn mức tối thiểu 50%."


def test_minimum_rate_can_be_changed_by_the_organiser():
    rows = [unit("a", "Sở Tài chính", 13, 40)]
    assert collective_ranking(rows, min_rate=0.3)[0].rank == 1
    assert collective_ranking(rows, min_rate=0.5)[0].rank is None


def test_unit_with_no_score_yet_ranks_after_units_with_scores_at_the_same_rate():
    rows = [unit("a", "Sở A", 5, 10, mean_score=None), unit("b", "Sở B", 5, 10, mean_score=10.0)]
    assert [r.unit.key for r in collective_ranking(rows)] == ["b", "a"]


# --- across the contest --------------------------------------------------------------------------------

from quizapp.domain.ranking import ContestTotal, contest_total, rank_contest  # noqa: E402


def test_contest_totals_add_up_the_counted_entries_and_skip_disqualified_ones():
    total = contest_total(1, [entry(1, correct=18, duration_s=600, minute=0),
                              entry(2, correct=20, duration_s=500, minute=60),
                              entry(3, correct=20, duration_s=1, minute=90, disqualified=True)])
    assert (total.correct, total.duration_ms, total.rounds) == (38, 1_100_000, 2)
    assert total.last_submitted_at == MONDAY + timedelta(minutes=60)
    assert contest_total(2, [entry(4, disqualified=True)]) is None


def test_contest_ranking_by_total_correct_then_time_then_who_got_there_first():
    t = MONDAY
    totals = [ContestTotal(1, 38, 900, t + timedelta(days=1)), ContestTotal(2, 39, 5000, t),
              ContestTotal(3, 38, 900, t), ContestTotal(4, 38, 800, t + timedelta(days=3)),
              ContestTotal(5, 38, 900, t)]
    ranked = rank_contest(totals)
    assert [r.total.contestant_id for r in ranked] == [2, 4, 3, 5, 1]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5]
