"""Item statistics of a round: how each question worked, from the finished attempts (classical test theory).

Per question: how many attempts drew it, the facility (share right; an unanswered question counts as wrong),
the discrimination index (share right in the upper 27% minus the lower 27% of the attempts that drew it, ranked
by their score on the *other* questions), the corrected point-biserial (item–rest correlation), the share
choosing each option overall and in the upper and lower groups, and flags an organiser acts on: a likely wrong
key (the strong contestants prefer another option), everybody or nobody right, a negative or weak
discrimination. Questions are drawn at random, so each question has its own set of attempts; the rest score
keeps a question from being compared with itself.

Pure: plain records in, plain records out.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

GROUP_SHARE = 0.27
MIN_SHOWN = 20  # below this many attempts a question gets no flag but "few"
MIN_GROUP = 5  # the upper group must hold at least this many attempts before it can accuse a key
EASY, HARD = 0.95, 0.10
WEAK = 0.10
NEGATIVE = -0.05  # a discrimination this low or lower is flagged (noise stays above it)

FLAG_LABELS = {
    "key_suspect": "Có thể sai đáp án: nhóm điểm cao chọn phương án khác nhiều hơn đáp án",
    "negative": "Độ phân biệt âm: nhóm điểm thấp trả lời đúng nhiều hơn nhóm điểm cao",
    "all_right": "Gần như ai cũng trả lời đúng",
    "none_right": "Gần như không ai trả lời đúng",
    "weak": "Phân biệt kém giữa người nắm chắc và người chưa nắm",
    "few": "Chưa đủ lượt thi để đánh giá",
}
# Flags that may mean the question itself is wrong, shown first.
SERIOUS = ("key_suspect", "negative", "none_right")


class Response(NamedTuple):
    """One question as one finished attempt met it (a named tuple: a big round has half a million)."""

    attempt: Hashable
    question: Hashable
    chosen: Hashable | None  # the option chosen, None when left empty


@dataclass(frozen=True)
class ItemOption:
    key: Hashable
    is_correct: bool


@dataclass(frozen=True)
class OptionShare:
    key: Hashable
    label: str  # "A", "B", … in the bank's order
    is_correct: bool
    count: int
    share: float
    upper_share: float
    lower_share: float


@dataclass
class ItemStat:
    question: Hashable
    shown: int
    answered: int
    right: int
    facility: float
    discrimination: float | None  # upper minus lower share right; None without two groups
    point_biserial: float | None  # None when everyone scored alike or the item has no variance
    options: list[OptionShare]
    blank_share: float
    group_size: int
    flags: tuple[str, ...] = ()
    suspect: str = ""  # the option label the upper group preferred to the key

    @property
    def serious(self) -> bool:
        return any(f in SERIOUS for f in self.flags)

    @property
    def needs_review(self) -> bool:
        """A flag that asks the organiser to look ("few" only says there is too little data to judge)."""
        return any(f != "few" for f in self.flags)


@dataclass
class RoundSummary:
    attempts: int
    questions: int
    mean_facility: float | None
    flagged: int
    serious: int
    stats: list[ItemStat] = field(default_factory=list)


def option_label(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def compute(responses: Iterable[Response], options: dict[Hashable, Sequence[ItemOption]], *,
            group_share: float = GROUP_SHARE, min_shown: int = MIN_SHOWN) -> RoundSummary:
    """Statistics of every question in `options` that some response met; `options` lists each question's
    options in the bank's order. Responses to questions missing from `options` are ignored."""
    correct_of = {q: {o.key for o in opts if o.is_correct} for q, opts in options.items()}
    by_question: dict[Hashable, list[Response]] = defaultdict(list)
    score: dict[Hashable, int] = defaultdict(int)
    for r in responses:
        if r.question not in correct_of:
            continue
        by_question[r.question].append(r)
        score[r.attempt] += r.chosen in correct_of[r.question]
    stats = [_item(q, by_question[q], options[q], correct_of[q], score, group_share, min_shown)
             for q in options if by_question.get(q)]
    facilities = [s.facility for s in stats]
    return RoundSummary(
        attempts=len(score), questions=len(stats),
        mean_facility=sum(facilities) / len(facilities) if facilities else None,
        flagged=sum(1 for s in stats if s.needs_review), serious=sum(1 for s in stats if s.serious),
        stats=stats)


def _item(question, responses: list[Response], opts: Sequence[ItemOption], keys: set, score: dict,
          group_share: float, min_shown: int) -> ItemStat:
    n = len(responses)
    right = [r.chosen in keys for r in responses]
    rest = [score[r.attempt] - ok for r, ok in zip(responses, right)]
    size = min(math.ceil(group_share * n), n // 2) if n >= 2 else 0
    lower, upper = _group(rest, size, top=False), _group(rest, size, top=True)
    facility = sum(right) / n

    def share(weights: dict[int, float], key) -> float:
        return sum(w for i, w in weights.items() if responses[i].chosen == key) / size if size else 0.0

    def right_share(weights: dict[int, float]) -> float:
        return sum(w for i, w in weights.items() if right[i]) / size if size else 0.0

    tally = Counter(r.chosen for r in responses)
    counts = [tally[o.key] for o in opts]
    shares = [OptionShare(o.key, option_label(i), o.is_correct, counts[i], counts[i] / n, share(upper, o.key),
                          share(lower, o.key)) for i, o in enumerate(opts)]
    # Rounded so that the float noise of shared places never shows as "-0,00" or trips the negative flag.
    discrimination = round(right_share(upper) - right_share(lower), 6) + 0.0 if size else None
    stat = ItemStat(question, n, n - tally[None], sum(right), facility, discrimination,
                    _point_biserial(right, rest), shares, tally[None] / n, size)
    stat.flags, stat.suspect = _flags(stat, min_shown)
    return stat


def _group(rest: list[int], size: int, top: bool) -> dict[int, float]:
    """The `size` attempts with the highest (or lowest) rest scores, as weights: attempts tied at the cut share
    the places left, so the groups do not depend on the order attempts come in."""
    if not size:
        return {}
    ranked = sorted(range(len(rest)), key=lambda i: rest[i], reverse=top)
    cut = rest[ranked[size - 1]]
    beyond = [i for i in ranked if (rest[i] > cut if top else rest[i] < cut)]
    tied = [i for i in ranked if rest[i] == cut]
    weight = (size - len(beyond)) / len(tied)
    return {**dict.fromkeys(beyond, 1.0), **dict.fromkeys(tied, weight)}


def _point_biserial(right: list[bool], rest: list[int]) -> float | None:
    n = len(right)
    p = sum(right) / n if n else 0
    if n < 2 or p in (0, 1):
        return None
    mean = sum(rest) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in rest) / n)
    if sd == 0:
        return None
    m1 = sum(x for x, ok in zip(rest, right) if ok) / sum(right)
    m0 = sum(x for x, ok in zip(rest, right) if not ok) / (n - sum(right))
    return (m1 - m0) / sd * math.sqrt(p * (1 - p))


def _flags(stat: ItemStat, min_shown: int) -> tuple[tuple[str, ...], str]:
    if stat.shown < min_shown:
        return ("few",), ""
    flags: list[str] = []
    suspect = ""
    key_share = sum(o.upper_share for o in stat.options if o.is_correct)
    # A rival the strong prefer to the key, and the strong more than the weak: a hard question whose wrong
    # answers all fall on one option is not accused.
    rivals = [o for o in stat.options
              if not o.is_correct and o.upper_share > key_share and o.upper_share > o.lower_share]
    if stat.group_size >= MIN_GROUP and rivals:
        flags.append("key_suspect")
        suspect = max(rivals, key=lambda o: o.upper_share).label
    if stat.discrimination is not None and stat.discrimination <= NEGATIVE and stat.facility < EASY:
        flags.append("negative")
    if stat.facility >= EASY:
        flags.append("all_right")
    elif stat.facility <= HARD:
        flags.append("none_right")
    elif stat.discrimination is not None and 0 <= stat.discrimination < WEAK:
        flags.append("weak")
    return tuple(flags), suspect


def ordered(stats: Sequence[ItemStat]) -> list[ItemStat]:
    """Questions needing attention first (a suspected key, then the other flags in the order of FLAG_LABELS),
    then by facility, hardest first."""
    severity = {flag: i for i, flag in enumerate(FLAG_LABELS)}

    def rank(s: ItemStat):
        return (min((severity[f] for f in s.flags), default=len(severity)), s.facility)

    return sorted(stats, key=rank)
