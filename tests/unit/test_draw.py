"""Drawing an attempt's questions from the bank by the round's blueprint (cơ cấu đề)."""
import random
from collections import Counter

import pytest

from quizapp.domain.draw import (
    BlueprintItem,
    CandidateQuestion,
    draw_questions,
    parse_blueprint,
    parse_blueprint_cells,
)
from quizapp.domain.errors import DomainError

TOPICS = ("the-che", "thu-tuc", "bo-may", "cong-vu", "tai-chinh", "chinh-phu-so")


def bank(per_cell: int = 3) -> list[CandidateQuestion]:
    """per_cell questions for every topic × difficulty, each with 4 options."""
    questions = []
    for topic in TOPICS:
        for difficulty in (1, 2, 3):
            for _ in range(per_cell):
                qid = len(questions) + 1
                options = tuple(qid * 10 + k for k in range(4))
                questions.append(CandidateQuestion(qid, topic, difficulty, options))
    return questions


def by_id(questions):
    return {q.id: q for q in questions}


# --- parse_blueprint ---------------------------------------------------------------------------------


def test_parse_blueprint_reads_specific_and_wildcard_items():
    items = parse_blueprint([
        {"topic": "the-che", "difficulty": 2, "count": 3},
        {"topic": "thu-tuc", "count": 2},
        {"difficulty": "3", "count": "1"},  # form values arrive as strings
        {"count": 4},
    ])
    assert items == [
        BlueprintItem("the-che", 2, 3),
        BlueprintItem("thu-tuc", None, 2),
        BlueprintItem(None, 3, 1),
        BlueprintItem(None, None, 4),
    ]


@pytest.mark.parametrize(
    "raw, words",
    [
        ({"topic": "the-che", "count": 0}, "số câu"),
        ({"topic": "the-che"}, "số câu"),
        ({"topic": "the-che", "count": 2.5}, "số câu"),
        ({"topic": "the-che", "count": True}, "số câu"),
        ({"difficulty": 4, "count": 1}, "mức độ"),
        ({"difficulty": 0, "count": 1}, "mức độ"),
        ({"topic": "   ", "count": 1}, "chủ đề"),
        ({"topic": "the-che", "dificulty": 2, "count": 1}, "dificulty"),
    ],
)
def test_parse_blueprint_rejects_bad_items_with_item_number(raw, words):
    with pytest.raises(DomainError) as exc:
        parse_blueprint([{"count": 1}, raw])
    assert exc.value.code == "invalid_blueprint"
    assert "mục 2" in exc.value.message and words in exc.value.message


def test_parse_blueprint_rejects_non_list():
    with pytest.raises(DomainError):
        parse_blueprint({"count": 1})


# --- draw_questions ----------------------------------------------------------------------------------


def test_blueprint_is_satisfied_and_rest_filled_from_the_bank():
    candidates = bank()
    blueprint = [BlueprintItem("the-che", 3, 2), BlueprintItem("thu-tuc", None, 4), BlueprintItem(None, 1, 5)]
    drawn = draw_questions(candidates, blueprint, total=20, rng=random.Random(1))
    questions = [by_id(candidates)[d.question_id] for d in drawn]
    assert len(drawn) == 20
    assert sum(1 for q in questions if (q.topic, q.difficulty) == ("the-che", 3)) >= 2
    assert sum(1 for q in questions if q.topic == "thu-tuc") >= 4
    assert sum(1 for q in questions if q.difficulty == 1) >= 5
    assert [d.position for d in drawn] == list(range(1, 21))


def test_no_question_is_drawn_twice():
    # Tight bank: "the-che" must leave both of its medium questions to the "any medium" item.
    candidates = bank(per_cell=2)
    blueprint = [BlueprintItem("the-che", None, 4), BlueprintItem(None, 2, 12)]
    for seed in range(50):
        drawn = draw_questions(candidates, blueprint, total=25, rng=random.Random(seed))
        ids = [d.question_id for d in drawn]
        assert len(ids) == len(set(ids)) == 25


def test_same_seed_gives_the_same_paper():
    blueprint = [BlueprintItem("cong-vu", 2, 2), BlueprintItem(None, 3, 3)]
    first = draw_questions(bank(), blueprint, total=15, rng=random.Random(2025))
    again = draw_questions(bank(), blueprint, total=15, rng=random.Random(2025))
    other = draw_questions(bank(), blueprint, total=15, rng=random.Random(2026))
    assert first == again
    assert first != other


def test_options_are_shuffled_per_attempt_but_keep_the_same_options():
    candidates = bank()
    orders = set()
    for seed in range(20):
        for d in draw_questions(candidates, [], total=54, rng=random.Random(seed)):
            assert sorted(d.option_order) == sorted(by_id(candidates)[d.question_id].option_ids)
            if d.question_id == 1:
                orders.add(d.option_order)
    assert len(orders) > 1


def test_question_order_is_shuffled():
    candidates = bank()
    blueprint = [BlueprintItem(topic, None, 2) for topic in TOPICS]  # 12 questions, topic by topic
    drawn = draw_questions(candidates, blueprint, total=12, rng=random.Random(7))
    topics = [by_id(candidates)[d.question_id].topic for d in drawn]
    assert topics != sorted(topics, key=TOPICS.index)


def test_empty_blueprint_draws_total_random_questions():
    candidates = bank()
    seen = Counter()
    for seed in range(200):
        drawn = draw_questions(candidates, [], total=5, rng=random.Random(seed))
        assert len({d.question_id for d in drawn}) == 5
        seen.update(d.question_id for d in drawn)
    assert len(seen) == len(candidates)  # every question gets drawn sometimes


def test_whole_bank_can_be_drawn():
    candidates = bank(per_cell=1)
    drawn = draw_questions(candidates, [], total=len(candidates), rng=random.Random(0))
    assert {d.question_id for d in drawn} == {q.id for q in candidates}


def test_blueprint_the_bank_cannot_satisfy_names_topic_and_difficulty():
    candidates = bank(per_cell=2)
    with pytest.raises(DomainError) as exc:
        draw_questions(candidates, [BlueprintItem("the-che", 3, 3)], total=10, rng=random.Random(0))
    assert exc.value.code == "bank_too_small"
    assert "«the-che»" in exc.value.message and "mức độ 3" in exc.value.message
    assert "cần 3 câu" in exc.value.message and "chỉ có 2 câu" in exc.value.message


def test_overlapping_items_that_together_exceed_the_bank_are_refused():
    # 3 hard "the-che" questions in the bank: 2 asked by topic+difficulty, 2 more asked as "any hard" ...
    candidates = [q for q in bank() if q.difficulty == 3 and q.topic == "the-che"] + [
        q for q in bank() if q.difficulty == 1
    ]
    blueprint = [BlueprintItem(None, 3, 2), BlueprintItem("the-che", 3, 2)]
    with pytest.raises(DomainError) as exc:
        draw_questions(candidates, blueprint, total=4, rng=random.Random(0))
    assert exc.value.code == "bank_too_small"
    assert "mọi chủ đề, mức độ 3" in exc.value.message  # the wildcard item is the one left short


def test_specific_items_are_served_before_wildcards():
    # Only 2 hard "the-che" questions exist; a wildcard "any hard" listed first must not take them.
    candidates = [q for q in bank() if q.difficulty == 3 and q.topic in ("the-che", "thu-tuc")][:5]
    assert Counter(q.topic for q in candidates) == {"the-che": 3, "thu-tuc": 2}
    blueprint = [BlueprintItem(None, 3, 2), BlueprintItem("the-che", 3, 3)]
    for seed in range(30):
        drawn = draw_questions(candidates, blueprint, total=5, rng=random.Random(seed))
        assert len(drawn) == 5


def test_topic_and_difficulty_items_sharing_questions_never_fail_when_a_paper_exists():
    # q1 fits both items, q2 only the topic item: a naive random draw fails half the time.
    candidates = [
        CandidateQuestion(1, "the-che", 2, (1, 2, 3, 4)),
        CandidateQuestion(2, "the-che", 1, (5, 6, 7, 8)),
    ]
    blueprint = [BlueprintItem("the-che", None, 1), BlueprintItem(None, 2, 1)]
    for seed in range(30):
        drawn = draw_questions(candidates, blueprint, total=2, rng=random.Random(seed))
        assert {d.question_id for d in drawn} == {1, 2}


def test_bank_smaller_than_the_paper_is_refused():
    with pytest.raises(DomainError) as exc:
        draw_questions(bank(per_cell=1)[:10], [], total=20, rng=random.Random(0))
    assert exc.value.code == "bank_too_small"
    assert "10 câu" in exc.value.message and "20 câu" in exc.value.message


def test_blueprint_larger_than_the_paper_is_a_configuration_error():
    with pytest.raises(DomainError) as exc:
        blueprint = [BlueprintItem(None, 1, 6), BlueprintItem(None, 2, 6)]
        draw_questions(bank(), blueprint, total=10, rng=random.Random(0))
    assert exc.value.code == "invalid_blueprint"


def test_duplicate_candidate_ids_are_a_programming_error():
    q = CandidateQuestion(1, "the-che", 1, (1, 2))
    with pytest.raises(ValueError):
        draw_questions([q, q], [], total=1, rng=random.Random(0))


# --- parse_blueprint_cells (the organiser's grid) ----------------------------------------------------


def test_grid_cells_skip_blanks_and_keep_the_grid_order():
    cells = parse_blueprint_cells({("the-che", 1): " 3 ", ("the-che", None): "", (None, None): "0", ("bo-may", 2): None})
    assert cells == {("the-che", 1): 3, (None, None): 0}


@pytest.mark.parametrize("typed", ["-1", "2.5", "ba", "201"])
def test_grid_cell_that_is_not_a_count_is_refused_in_vietnamese(typed):
    with pytest.raises(DomainError, match="số nguyên từ 0 đến 200"):
        parse_blueprint_cells({("the-che", 1): typed})
