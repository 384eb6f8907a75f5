"""Grading a submitted attempt. The prediction question is not graded: it only breaks ties (see ranking)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GradeResult:
    """Outcome of one attempt.

    `score` is the percentage of drawn questions answered correctly, 0–100, rounded to 2 decimals, so
    attempts of rounds with different question counts compare. `points` = correct × points_per_correct
    for contests that announce a points scale (e.g. 20 questions × 5 points). Ranking uses `correct`.
    """

    correct: int
    total: int
    score: float
    per_question: dict[int, bool]
    points: float = 0.0


def grade(
    correct_by_question: dict[int, int],
    chosen_by_question: dict[int, int | None],
    points_per_correct: float = 1.0,
) -> GradeResult:
    """Grade chosen options against the correct ones; unanswered (missing or None) counts as wrong."""
    stray = set(chosen_by_question) - set(correct_by_question)
    if stray:
        raise ValueError(f"answers given for questions not in the attempt: {sorted(stray)}")
    per_question = {
        qid: chosen_by_question.get(qid) == correct_option  # None never equals an option id
        for qid, correct_option in correct_by_question.items()
    }
    correct = sum(per_question.values())
    total = len(per_question)
    score = round(100 * correct / total, 2) if total else 0.0
    return GradeResult(correct, total, score, per_question, round(correct * points_per_correct, 2))
