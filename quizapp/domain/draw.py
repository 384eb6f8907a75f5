"""Drawing one attempt's questions from the bank, following the round's blueprint (cơ cấu đề)."""
from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import DomainError

DIFFICULTY_LABELS = {1: "dễ", 2: "trung bình", 3: "khó"}
_BLUEPRINT_KEYS = {"topic", "difficulty", "count"}


@dataclass(frozen=True)
class BlueprintItem:
    """`count` questions of `topic` at `difficulty`; None means any topic / any difficulty."""

    topic: str | None
    difficulty: int | None
    count: int

    @property
    def specificity(self) -> int:
        """How many of topic and difficulty are fixed (2 = fully specific, 0 = wildcard)."""
        return (self.topic is not None) + (self.difficulty is not None)

    def matches(self, question: CandidateQuestion) -> bool:
        """True when the question fits this item."""
        return (self.topic is None or self.topic == question.topic) and (
            self.difficulty is None or self.difficulty == question.difficulty
        )

    def describe(self) -> str:
        """Vietnamese description used in messages, e.g. "chủ đề «the-che», mức độ 2 (trung bình)"."""
        topic = f"chủ đề «{self.topic}»" if self.topic is not None else "mọi chủ đề"
        if self.difficulty is None:
            return f"{topic}, mọi mức độ"
        return f"{topic}, mức độ {self.difficulty} ({DIFFICULTY_LABELS[self.difficulty]})"


@dataclass(frozen=True)
class CandidateQuestion:
    """An active bank question that may be drawn."""

    id: int
    topic: str
    difficulty: int
    option_ids: tuple[int, ...]


@dataclass(frozen=True)
class DrawnQuestion:
    """A drawn question: its place in the attempt (1-based) and the order its options are shown in."""

    question_id: int
    position: int
    option_order: tuple[int, ...]


def _blueprint_error(index: int, detail: str) -> DomainError:
    return DomainError(f"Cơ cấu đề, mục {index}: {detail}", code="invalid_blueprint")


def _as_int(value: object) -> int | None:
    """An int from an int or a digit string (forms send strings); None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return None


def _parse_item(index: int, raw: object) -> BlueprintItem:
    if not isinstance(raw, Mapping):
        raise _blueprint_error(index, "phải là một mục gồm chủ đề, mức độ và số câu.")
    unknown = sorted(set(raw) - _BLUEPRINT_KEYS)
    if unknown:
        # A typo such as "dificulty" would otherwise silently mean "any difficulty".
        raise _blueprint_error(index, f"trường không hợp lệ: {', '.join(map(str, unknown))}.")
    topic = raw.get("topic")
    if topic is not None and (not isinstance(topic, str) or not topic.strip()):
        raise _blueprint_error(index, "chủ đề phải là mã chủ đề hoặc để trống (mọi chủ đề).")
    difficulty = raw.get("difficulty")
    if difficulty is not None:
        difficulty = _as_int(difficulty)
        if difficulty not in DIFFICULTY_LABELS:
            raise _blueprint_error(index, "mức độ phải là 1, 2 hoặc 3, hoặc để trống (mọi mức độ).")
    count = _as_int(raw.get("count"))
    if count is None or count < 1:
        raise _blueprint_error(index, "số câu phải là số nguyên từ 1 trở lên.")
    return BlueprintItem(topic.strip() if topic else None, difficulty, count)


def parse_blueprint(data: list[dict]) -> list[BlueprintItem]:
    """Blueprint items from JSON-like dicts {"topic": ..., "difficulty": ..., "count": ...}."""
    if not isinstance(data, list):
        raise DomainError("Cơ cấu đề phải là một danh sách các mục.", code="invalid_blueprint")
    return [_parse_item(index, raw) for index, raw in enumerate(data, start=1)]


def _seat(slot: int, slots: list[list[int]], owner: dict[int, int], seen: set[int]) -> bool:
    """Kuhn's augmenting path: give `slot` a question, moving earlier slots to other fitting ones."""
    for qid in slots[slot]:
        if qid in seen:
            continue
        seen.add(qid)
        if qid not in owner or _seat(owner[qid], slots, owner, seen):
            owner[qid] = slot
            return True
    return False


def _shortage(item: BlueprintItem, available: int) -> DomainError:
    if available < item.count:
        detail = f"chỉ có {available} câu phù hợp"
    else:
        detail = f"có {available} câu phù hợp nhưng đã phải dùng cho các mục khác của cơ cấu đề"
    return DomainError(
        f"Ngân hàng câu hỏi không đủ để ra đề: cần {item.count} câu {item.describe()}, {detail}.",
        code="bank_too_small",
    )


def _fill_blueprint(
    candidates: list[CandidateQuestion], blueprint: Iterable[BlueprintItem], rng: random.Random
) -> list[int]:
    """Question ids satisfying every item, no question used twice; specific items are seated first."""
    slots: list[list[int]] = []
    owner: dict[int, int] = {}
    for item in sorted(blueprint, key=lambda it: -it.specificity):  # stable: keeps the organiser's order
        fitting = [c.id for c in candidates if item.matches(c)]
        if len(fitting) < item.count:
            raise _shortage(item, len(fitting))
        rng.shuffle(fitting)
        for _ in range(item.count):
            slots.append(fitting)
            slot = len(slots) - 1
            free = next((qid for qid in fitting if qid not in owner), None)
            if free is not None:  # the common case: no need to move anybody
                owner[free] = slot
            elif not _seat(slot, slots, owner, set()):
                raise _shortage(item, len(fitting))
    return sorted(owner, key=owner.__getitem__)


def draw_questions(
    candidates: list[CandidateQuestion], blueprint: list[BlueprintItem], total: int, rng: random.Random
) -> list[DrawnQuestion]:
    """Draw `total` questions meeting the blueprint, in shuffled order with shuffled options."""
    if len({c.id for c in candidates}) != len(candidates):
        raise ValueError("candidate question ids must be unique")
    if total < 1:
        raise DomainError("Số câu hỏi của đề phải từ 1 trở lên.", code="invalid_blueprint")
    required = sum(item.count for item in blueprint)
    if required > total:
        raise DomainError(
            f"Cơ cấu đề có {required} câu, nhiều hơn số câu của đề ({total} câu).", code="invalid_blueprint"
        )
    if len(candidates) < total:
        raise DomainError(
            f"Ngân hàng câu hỏi chỉ có {len(candidates)} câu, không đủ để ra đề {total} câu.",
            code="bank_too_small",
        )
    chosen = _fill_blueprint(candidates, blueprint, rng)
    used = set(chosen)
    rest = [c.id for c in candidates if c.id not in used]
    chosen += rng.sample(rest, total - len(chosen))
    rng.shuffle(chosen)
    options = {c.id: c.option_ids for c in candidates}
    return [
        DrawnQuestion(qid, position, tuple(rng.sample(options[qid], len(options[qid]))))
        for position, qid in enumerate(chosen, start=1)
    ]


MAX_CELL_COUNT = 200


def parse_blueprint_cells(raw: Mapping[tuple[str | None, int | None], str | None]) -> dict[tuple, int]:
    """The draw grid as the organiser typed it (topic or None, difficulty or None) → text: blanks skipped,
    every other cell a whole number from 0 to MAX_CELL_COUNT, in the grid's order."""
    cells = {}
    for key, text in raw.items():
        text = (text or "").strip()
        if text:
            if not text.isdigit() or int(text) > MAX_CELL_COUNT:
                raise DomainError(f"Cơ cấu đề: số câu phải là số nguyên từ 0 đến {MAX_CELL_COUNT}.",
                                  "invalid_blueprint")
            cells[key] = int(text)
    return cells


def blueprint_from_cells(cells: Mapping[tuple[str | None, int | None], int]) -> list[dict]:
    """A blueprint from a grid the organiser fills in: (topic or None, difficulty or None) → count; zeros dropped.

    Rows keep the order the grid gives them, so the stored blueprint reads like the organiser's table.
    """
    items = []
    for (topic, difficulty), count in cells.items():
        if count and count > 0:
            item: dict = {"count": int(count)}
            if topic:
                item["topic"] = topic
            if difficulty:
                item["difficulty"] = int(difficulty)
            items.append(item)
    return items


def blueprint_cells(blueprint: list[dict]) -> dict[tuple[str | None, int | None], int]:
    """The grid for a stored blueprint (the inverse of blueprint_from_cells; repeated cells add up)."""
    cells: dict[tuple[str | None, int | None], int] = {}
    for item in parse_blueprint(blueprint):
        key = (item.topic, item.difficulty)
        cells[key] = cells.get(key, 0) + item.count
    return cells
