"""Duplicate questions: exact (after normalisation) and near (similar text, options compared as a set).

Near-duplicate search avoids comparing every pair: questions are indexed by their rarer word pairs
(shingles), and only questions sharing enough of them are scored with rapidfuzz. Questions only ever match
others with the same numbers, so the index is kept per set of numbers: 4,000 copies of one question with one
number changed are 4,000 tiny buckets, not one bucket scanned 4,000 times (38.7 s before, see
docs/reliability/bad-input.md). Within a bucket, a shingle shared by more than _MAX_POSTING questions says
little and is not probed, and at most _MAX_POSTING candidates are taken from any one shingle, so a check
costs at most _PROBES × _MAX_POSTING comparisons whatever the file.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz

from quizapp.domain.text import dedup_key

NEAR_THRESHOLD = 90.0  # combined similarity (0–100) from which two questions count as near-duplicates
TEXT_WEIGHT = 0.7
_PROBES = 8  # how many of a question's rarest shingles are used to find candidates
_MAX_POSTING = 200  # a shingle in more questions than this (of the same numbers) is too common to probe
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class QuestionKey:
    """What duplicate detection compares: normalised text and the set of normalised options."""

    ref: object  # caller's handle (row number, question id)
    text: str
    options: frozenset[str]

    # Cached: a 10k import asks each key for these several times (sha256, a regex, a sort per comparison).
    @cached_property
    def exact(self) -> str:
        """A stable hash: same text and same set of options after normalisation."""
        raw = self.text + "\x1f" + "\x1e".join(sorted(self.options))
        return hashlib.sha256(raw.encode()).hexdigest()

    @cached_property
    def numbers(self) -> tuple[str, ...]:
        """The numbers in the text: '...đến năm 2025' and '...đến năm 2030' ask different things."""
        return tuple(sorted(_NUMBER.findall(self.text)))

    @cached_property
    def options_text(self) -> str:
        return " | ".join(sorted(self.options))

    @cached_property
    def shingles(self) -> set[str]:
        return _shingles(self.text)


@dataclass(frozen=True)
class DuplicateMatch:
    """`ref` duplicates `other` (exact, or near with a similarity score)."""

    ref: object
    other: object
    exact: bool
    similarity: float


def make_key(ref: object, text: str, options: list[str]) -> QuestionKey:
    return QuestionKey(ref, dedup_key(text), frozenset(dedup_key(o) for o in options))


def similarity(a: QuestionKey, b: QuestionKey) -> float:
    """Weighted similarity of text and option set, 0–100; option order does not matter."""
    text_sim = fuzz.ratio(a.text, b.text)
    opt_sim = fuzz.ratio(a.options_text, b.options_text)
    return TEXT_WEIGHT * text_sim + (1 - TEXT_WEIGHT) * opt_sim


def _shingles(text: str) -> set[str]:
    words = text.split()
    if len(words) < 2:
        return set(words)
    return {f"{a} {b}" for a, b in zip(words, words[1:])}


class DuplicateIndex:
    """Questions already known (the bank, earlier rows of the file); answers 'is this a duplicate?'."""

    def __init__(self, threshold: float = NEAR_THRESHOLD):
        self.threshold = threshold
        self._by_exact: dict[str, QuestionKey] = {}
        self._keys: list[QuestionKey] = []
        # (numbers of the text, shingle) → indexes of the questions with those numbers and that shingle
        self._postings: dict[tuple[tuple[str, ...], str], list[int]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: QuestionKey) -> None:
        self._by_exact.setdefault(key.exact, key)
        idx = len(self._keys)
        self._keys.append(key)
        numbers = key.numbers
        for s in key.shingles:
            self._postings[(numbers, s)].append(idx)

    def find(self, key: QuestionKey) -> DuplicateMatch | None:
        """The best match for `key` among the indexed questions, or None."""
        hit = self._by_exact.get(key.exact)
        if hit is not None:
            return DuplicateMatch(key.ref, hit.ref, True, 100.0)
        best: tuple[float, QuestionKey] | None = None
        for idx in self._candidates(key):  # all have the same numbers as `key`
            score = similarity(key, self._keys[idx])
            if score >= self.threshold and (best is None or score > best[0]):
                best = (score, self._keys[idx])
        return DuplicateMatch(key.ref, best[1].ref, False, round(best[0], 1)) if best else None

    def _candidates(self, key: QuestionKey) -> list[int]:
        numbers = key.numbers
        lists = [p for p in (self._postings.get((numbers, s)) for s in key.shingles) if p]
        lists.sort(key=len)
        usable = [p for p in lists if len(p) <= _MAX_POSTING] or [p[-_MAX_POSTING:] for p in lists]
        rare = usable[:_PROBES]
        counts = Counter(i for p in rare for i in p)
        # Near-duplicates (>= 90% similar) share most of their shingles, so most of their rarest ones too.
        need = max(1, len(rare) // 3)
        return [i for i, c in counts.items() if c >= need]


def find_duplicates(existing: list[QuestionKey], incoming: list[QuestionKey],
                    threshold: float = NEAR_THRESHOLD) -> dict[object, DuplicateMatch]:
    """For each incoming question (in order) its duplicate among `existing` or earlier incoming ones."""
    index = DuplicateIndex(threshold)
    for key in existing:
        index.add(key)
    found: dict[object, DuplicateMatch] = {}
    for key in incoming:
        match = index.find(key)
        if match:
            found[key.ref] = match
        else:
            index.add(key)
    return found
