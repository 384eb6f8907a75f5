"""Item statistics on planted rounds: the numbers an organiser reads and the flags that send them to a question."""
from __future__ import annotations

import pytest

from quizapp.domain.item_stats import ItemOption, Response, compute, ordered

OPTS = [ItemOption("a", True), ItemOption("b", False), ItemOption("c", False), ItemOption("d", False)]
FILLERS = [f"f{j}" for j in range(10)]


def _round(n: int, planted: dict[str, callable]):
    """`n` attempts of rising ability: attempt i answers filler j right when i > j·n/10, so attempt order is
    score order. Each planted question chooses an option from the attempt's index."""
    responses, options = [], {q: OPTS for q in FILLERS}
    for i in range(n):
        for j, q in enumerate(FILLERS):
            responses.append(Response(i, q, "a" if i > j * n / 10 else "b"))
        for q, choose in planted.items():
            responses.append(Response(i, q, choose(i)))
    options.update({q: OPTS for q in planted})
    return compute(responses, options)


def _stat(summary, question):
    return next(s for s in summary.stats if s.question == question)


def test_a_good_question_discriminates_and_carries_no_flag():
    summary = _round(100, {"good": lambda i: "a" if i >= 40 else "c"})
    s = _stat(summary, "good")
    assert s.shown == 100 and s.facility == pytest.approx(0.60)
    assert s.discrimination == pytest.approx(1.0)  # all of the top 27 right, none of the bottom 27
    assert s.point_biserial > 0.7
    assert s.flags == ()
    shares = {o.label: o.share for o in s.options}
    assert shares == {"A": pytest.approx(0.6), "B": 0, "C": pytest.approx(0.4), "D": 0}


def test_a_wrong_key_is_suspected_and_the_option_named():
    # The strong contestants choose B; the bank says A.
    summary = _round(100, {"broken": lambda i: "b" if i >= 50 else "a"})
    s = _stat(summary, "broken")
    assert "key_suspect" in s.flags and "negative" in s.flags
    assert s.suspect == "B"
    assert s.discrimination == pytest.approx(-1.0)
    assert s.point_biserial < 0
    assert ordered(summary.stats)[0].question == "broken"
    assert summary.serious == 2  # and filler f9, which only 9 of 100 got right


def test_everybody_and_nobody_right():
    summary = _round(60, {"easy": lambda i: "a", "hard": lambda i: "a" if i == 59 else "d"})
    assert _stat(summary, "easy").flags == ("all_right",)
    assert _stat(summary, "easy").point_biserial is None  # no variance to correlate
    hard = _stat(summary, "hard")
    assert "none_right" in hard.flags and hard.facility == pytest.approx(1 / 60)


def test_a_question_answered_at_random_is_weak():
    summary = _round(100, {"coin": lambda i: "a" if i % 2 else "b"})
    s = _stat(summary, "coin")
    assert abs(s.discrimination) < 0.1
    assert "weak" in s.flags or "negative" in s.flags


def test_empty_answers_count_as_wrong_and_are_shown_apart():
    summary = _round(40, {"blank": lambda i: None if i < 10 else "a"})
    s = _stat(summary, "blank")
    assert s.answered == 30 and s.right == 30
    assert s.facility == pytest.approx(0.75) and s.blank_share == pytest.approx(0.25)


def test_few_attempts_give_figures_but_no_verdict():
    summary = _round(8, {"good": lambda i: "a" if i >= 4 else "c"})
    s = _stat(summary, "good")
    assert s.flags == ("few",)
    assert s.facility == pytest.approx(0.5)
    assert summary.flagged == 0


def test_the_rest_score_leaves_the_question_out_of_its_own_ranking():
    # Only the planted question differs between two attempts: with the total score the one who got it right
    # would land in the upper group by that answer alone.
    responses = [Response(1, "q", "a"), Response(2, "q", "b")]
    s = compute(responses, {"q": OPTS}, min_shown=1).stats[0]
    assert s.discrimination == 0  # ties on the rest score; neither group is favoured by the item itself


def test_each_question_uses_only_the_attempts_that_drew_it():
    responses = [Response(i, "q1", "a") for i in range(30)] + [Response(i, "q2", "b") for i in range(30, 50)]
    summary = compute(responses, {"q1": OPTS, "q2": OPTS})
    assert summary.attempts == 50 and summary.questions == 2
    assert _stat(summary, "q1").shown == 30 and _stat(summary, "q2").shown == 20
    assert _stat(summary, "q2").flags == ("none_right",)  # all chose B, the weak as much as the strong
    assert summary.mean_facility == pytest.approx(0.5)


def test_questions_without_options_known_are_ignored_and_an_empty_round_is_empty():
    assert compute([Response(1, "gone", "a")], {"q": OPTS}).stats == []
    empty = compute([], {})
    assert empty.attempts == 0 and empty.mean_facility is None
