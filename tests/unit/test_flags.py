"""Flag rules: implausibly fast attempts, bursts of accounts from one place, identical answers."""
from datetime import UTC, datetime, timedelta

from quizapp.domain.flags import (
    AnswerTrace,
    FinishedAttempt,
    NewEntry,
    Thresholds,
    registration_bursts,
    same_answers,
    too_fast,
)
from quizapp.domain.review import FLAG_LABELS, SCAN_FLAG_LABELS, entry_flags

T0 = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)


# ---------------------------------------------------------------- too fast


def test_twenty_questions_all_right_in_forty_seconds_is_flagged():
    reason = too_fast(FinishedAttempt(1, 7, total=20, correct=20, duration_ms=40_000))
    assert reason and "20 câu" in reason and "40 giây" in reason and "2.0 giây/câu" in reason


def test_a_normal_pace_is_not_flagged():
    assert too_fast(FinishedAttempt(1, 7, total=20, correct=20, duration_ms=5 * 60_000)) is None


def test_fast_but_mostly_wrong_is_carelessness_not_flagged():
    assert too_fast(FinishedAttempt(1, 7, total=20, correct=4, duration_ms=30_000)) is None


def test_the_threshold_scales_with_the_length_of_the_attempt():
    # 45 seconds: too fast for 20 questions (3 s each = 60 s), plausible for 10 (30 s)
    assert too_fast(FinishedAttempt(1, 7, total=20, correct=18, duration_ms=45_000))
    assert too_fast(FinishedAttempt(2, 7, total=10, correct=9, duration_ms=45_000)) is None


def test_thresholds_can_be_tuned():
    strict = Thresholds(fast_seconds_per_question=10)
    assert too_fast(FinishedAttempt(1, 7, total=20, correct=20, duration_ms=150_000), strict)


# ---------------------------------------------------------------- many accounts from one place


def entry(rid, minute, device="", address=""):
    return NewEntry(rid, T0 + timedelta(minutes=minute), device, address)


def test_three_accounts_from_one_device_within_minutes_are_one_burst():
    bursts = registration_bursts([entry(1, 0, "dev-a"), entry(2, 4, "dev-a"), entry(3, 9, "dev-a"), entry(4, 5, "dev-b")])
    assert [(b.kind, b.registration_ids) for b in bursts] == [("same_device", (1, 2, 3))]
    assert "3 tài khoản" in bursts[0].describe() and "cùng một thiết bị" in bursts[0].describe()


def test_two_accounts_on_one_device_or_accounts_spread_over_days_are_not_a_burst():
    assert registration_bursts([entry(1, 0, "dev-a"), entry(2, 1, "dev-a")]) == []
    assert registration_bursts([entry(i, i * 24 * 60, "dev-a") for i in range(5)]) == []


def test_a_long_run_of_registrations_gives_one_burst_not_many():
    bursts = registration_bursts([entry(i, i * 10, "dev-a") for i in range(1, 8)])  # one every 10 minutes
    assert len(bursts) == 1 and bursts[0].registration_ids == tuple(range(1, 8))


def test_a_whole_office_behind_one_address_needs_many_accounts_to_be_flagged():
    office = [entry(i, i % 10, address="203.0.113.5") for i in range(1, 21)]  # 20 colleagues in 10 minutes
    assert registration_bursts(office) == []
    crowd = [entry(i, (i % 10) * 0.9, address="203.0.113.5") for i in range(1, 41)]  # 40 in 9 minutes
    (burst,) = registration_bursts(crowd)
    assert burst.kind == "same_address" and len(burst.registration_ids) == 40 and "203.0.113.5" in burst.describe()


def test_unknown_devices_and_addresses_are_not_grouped_together():
    assert registration_bursts([entry(i, 0) for i in range(1, 50)]) == []


# ---------------------------------------------------------------- identical answers


def trace(aid, rid, start_s, duration_s, choices, wrong=(), offsets=()):
    return AnswerTrace(aid, rid, T0 + timedelta(seconds=start_s), duration_s * 1000, choices, frozenset(wrong),
                       tuple(offsets))


SAME = {q: q * 10 for q in range(1, 21)}
WRONG = {3, 7}  # the same two questions answered with the same wrong option
PACE = [15_000 * i for i in range(1, 21)]  # one answer every 15 seconds


def test_identical_answers_with_the_same_mistakes_started_and_finished_together_are_flagged():
    pairs = same_answers([trace(1, 100, 0, 300, SAME, WRONG), trace(2, 200, 20, 310, dict(SAME), WRONG)])
    assert [(a, b) for a, b, _ in pairs] == [(1, 2)]
    assert "20 câu hỏi chung" in pairs[0][2] and "cùng sai 2 câu" in pairs[0][2] and "20 giây" in pairs[0][2]


def test_two_people_who_both_got_everything_right_are_not_a_sign():
    assert same_answers([trace(1, 100, 0, 300, SAME, offsets=PACE),
                         trace(2, 200, 60, 300, SAME, offsets=PACE)]) == []  # same pace, a minute apart


def test_answers_given_in_lockstep_are_flagged_even_when_all_right():
    other = [x + 1_000 for x in PACE]  # each answer a second after the other screen's
    (pair,) = same_answers([trace(1, 100, 0, 300, SAME, offsets=PACE), trace(2, 200, 0, 301, SAME, offsets=other)])
    assert "gần như cùng lúc" in pair[2]


def test_one_different_answer_is_not_identical():
    other = dict(SAME) | {7: 71}
    assert same_answers([trace(1, 100, 0, 300, SAME, WRONG), trace(2, 200, 20, 310, other, WRONG)]) == []


def test_identical_answers_at_different_times_are_just_a_known_answer_key():
    assert same_answers([trace(1, 100, 0, 300, SAME, WRONG), trace(2, 200, 3600, 300, SAME, WRONG)]) == []
    assert same_answers([trace(1, 100, 0, 300, SAME, WRONG), trace(2, 200, 10, 600, SAME, WRONG)]) == []


def test_too_few_shared_questions_say_nothing():
    a = {1: 10, 2: 20, 3: 30, 4: 40, 50: 1}
    b = {1: 10, 2: 20, 3: 30, 4: 40, 60: 1}
    assert same_answers([trace(1, 100, 0, 300, a, {1}), trace(2, 200, 5, 300, b, {1})]) == []


def test_only_shared_questions_are_compared_when_draws_differ():
    a = {q: q for q in range(1, 21)}
    b = {q: q for q in range(11, 31)}  # ten questions in common, same choices, one same mistake
    assert len(same_answers([trace(1, 100, 0, 300, a, {12}), trace(2, 200, 5, 300, b, {12})])) == 1


def test_one_person_retaking_the_round_is_not_paired_with_themself():
    assert same_answers([trace(1, 100, 0, 60, SAME, WRONG), trace(2, 100, 90, 60, SAME, WRONG)]) == []


def test_each_pair_is_reported_once_among_many_attempts():
    traces = [trace(i, 100 + i, i * 500, 300, {q: q + i for q in range(1, 21)}, {1}) for i in range(200)]
    traces += [trace(1000, 9000, 100 * 500 + 30, 290, {q: q + 100 for q in range(1, 21)}, {1})]  # copies no. 100
    assert [(a, b) for a, b, _ in same_answers(traces)] == [(100, 1000)]


# ---------------------------------------------------------------- one vocabulary


def test_every_flag_code_has_one_label_used_on_every_page():
    assert SCAN_FLAG_LABELS.items() <= FLAG_LABELS.items()  # the flags page and the results page say the same
    assert len(set(FLAG_LABELS.values())) == len(FLAG_LABELS)  # and no two codes read alike
    assert FLAG_LABELS["fast_attempt"] == "Làm bài nhanh bất thường"


def test_both_fast_rules_share_the_speed_threshold_but_not_the_score():
    # 20 questions in 50 s (2.5 s each, under 3 s), 12 right: the scan asks about it, the approval flag does not
    assert too_fast(FinishedAttempt(1, 7, total=20, correct=12, duration_ms=50_000))
    assert entry_flags(12, 20, 50_000, False, False) == []
    assert entry_flags(18, 20, 50_000, False, False) == ["fast"]
    # at 3 s a question neither rule flags
    assert too_fast(FinishedAttempt(1, 7, total=20, correct=20, duration_ms=60_000)) is None
    assert entry_flags(20, 20, 60_000, False, False) == []
