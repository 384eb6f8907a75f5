"""Grading a submitted attempt."""
import pytest

from quizapp.domain.grading import GradeResult, grade

CORRECT = {101: 1, 102: 6, 103: 11, 104: 16}


def test_all_correct_scores_100():
    result = grade(CORRECT, dict(CORRECT))
    assert result == GradeResult(4, 4, 100.0, {101: True, 102: True, 103: True, 104: True}, 4.0)


def test_wrong_and_unanswered_questions_count_as_not_correct():
    result = grade(CORRECT, {101: 1, 102: 7, 103: None})  # 104 never answered
    assert (result.correct, result.total) == (1, 4)
    assert result.per_question == {101: True, 102: False, 103: False, 104: False}
    assert result.score == 25.0


def test_score_is_a_percentage_rounded_to_two_decimals():
    correct = {qid: qid for qid in range(1, 16)}  # a 15-question round
    chosen = {qid: qid for qid in range(1, 14)}  # 13 correct
    assert grade(correct, chosen).score == 86.67


def test_points_follow_the_points_per_correct_answer():
    assert grade(CORRECT, {101: 1, 102: 6}, points_per_correct=2.5).points == 5.0


def test_blank_paper_scores_zero():
    result = grade(CORRECT, {})
    assert (result.correct, result.score) == (0, 0.0)


def test_attempt_without_questions_scores_zero_without_crashing():
    assert grade({}, {}) == GradeResult(0, 0, 0.0, {}, 0.0)


def test_answer_to_a_question_not_drawn_is_rejected():
    with pytest.raises(ValueError):
        grade(CORRECT, {999: 1})
