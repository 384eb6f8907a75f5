"""The printed Q&A handbook ("Hỏi - Đáp kiến thức cơ bản về công tác cải cách hành chính"): its structure.

From plain question values in print order, this decides the parts (one per collection, when there are several),
the sections (one per topic), the question numbers (continuous through the book, so the index can cite them) and
the index of the documents the questions rest on (document → question numbers, in Vietnamese order). Rendering it
as PDF or DOCX is the service's job; everything a reader would count or look up is decided here.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from quizapp.domain import collation
from quizapp.domain.errors import DomainError

DEFAULT_TITLE = "Hỏi - Đáp kiến thức cơ bản về công tác cải cách hành chính"
DEFAULT_PUBLISHER = "Ngân hàng câu hỏi cuộc thi"
INDEX_TITLE = "Danh mục văn bản được trích dẫn"
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class HandbookQuestion:
    """One question as the bank holds it; `basis` are LegalDocument codes."""

    text: str
    options: tuple[str, ...]
    correct_index: int
    topic: str
    collection: str
    explanation: str = ""
    source: str = ""
    basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """A numbered question of the book."""

    number: int
    text: str
    options: tuple[str, ...]
    answer: str  # the correct letter
    explanation: str
    source: str

    @property
    def lettered_options(self) -> list[tuple[str, str]]:
        return list(zip(LETTERS, self.options))

    @property
    def answer_text(self) -> str:
        return self.options[LETTERS.index(self.answer)]


@dataclass(frozen=True)
class Section:
    """One topic. `title` is None when it is its part's only topic and bears the part's title."""

    label: str  # "1.", "2."... ("" for the book's only topic)
    title: str | None
    entries: tuple[Entry, ...]

    @property
    def heading(self) -> str | None:
        return f"{self.label} {self.title}".strip() if self.title else None


@dataclass(frozen=True)
class Part:
    """One collection. `title` is None when the book holds a single collection (no part headings)."""

    label: str  # "Phần I"...
    title: str | None
    sections: tuple[Section, ...]

    @property
    def heading(self) -> str | None:
        return f"{self.label}. {self.title}" if self.title else None


@dataclass(frozen=True)
class IndexEntry:
    """A cited document and the numbers of the questions that rest on it."""

    code: str
    title: str  # the register's title, or the code when the register does not know it
    numbers: tuple[int, ...]

    @property
    def numbers_text(self) -> str:
        return number_ranges(self.numbers)


@dataclass(frozen=True)
class Handbook:
    title: str
    publisher: str  # the organising body, or "Ngân hàng câu hỏi cuộc thi"
    year: int
    collections: tuple[str, ...]  # titles of the collections it holds, in order
    parts: tuple[Part, ...]
    index: tuple[IndexEntry, ...]

    @property
    def count(self) -> int:
        return sum(len(s.entries) for p in self.parts for s in p.sections)

    def entries(self) -> list[Entry]:
        return [e for p in self.parts for s in p.sections for e in s.entries]

    def texts(self) -> list[str]:
        """Every piece of text the book prints (to check that a font covers it)."""
        out = [self.title, self.publisher, str(self.year), INDEX_TITLE, *self.collections]
        for part in self.parts:
            out += [part.heading or ""] + [s.heading or "" for s in part.sections]
        for e in self.entries():
            out += [e.text, *e.options, e.explanation, e.source]
        out += [f"{i.title} {i.numbers_text}" for i in self.index]
        return [t for t in out if t]


def build(questions: list[HandbookQuestion], documents: dict[str, str], *, year: int, title: str = "",
          publisher: str = "") -> Handbook:
    """The book of `questions` (in print order; grouped by collection then topic in order of first appearance).

    `documents` maps LegalDocument codes to titles, for the index.
    """
    if not questions:
        raise DomainError("Không có câu hỏi nào đang dùng trong các bộ câu hỏi và chủ đề đã chọn.", "empty_handbook")
    groups: dict[str, dict[str, list[HandbookQuestion]]] = {}
    for q in questions:
        if not 0 <= q.correct_index < min(len(q.options), len(LETTERS)):
            raise DomainError(f"Câu hỏi «{_clean(q.text)[:80]}» không có đáp án đúng.", "no_answer")
        groups.setdefault(_clean(q.collection), {}).setdefault(_clean(q.topic), []).append(q)
    several = len(groups) > 1
    parts, cited, number = [], {}, 0
    for p, (collection, topics) in enumerate(groups.items(), start=1):
        sections = []
        for s, (topic, items) in enumerate(topics.items(), start=1):
            entries = []
            for q in items:
                number += 1
                entries.append(_entry(number, q))
                for code in dict.fromkeys(c.strip() for c in q.basis if c.strip()):
                    cited.setdefault(code, []).append(number)
            merged = several and len(topics) == 1 and topic == collection
            alone = not several and len(topics) == 1  # the book's only topic: a heading without a number
            sections.append(Section("" if alone else f"{s}.", None if merged else topic, tuple(entries)))
        parts.append(Part(f"Phần {roman(p)}", collection if several else None, tuple(sections)))
    index = [IndexEntry(code, _clean(documents.get(code) or code), tuple(nums)) for code, nums in cited.items()]
    index = collation.sort(index, by=lambda i: i.title)
    return Handbook(title=_clean(title) or DEFAULT_TITLE, publisher=_clean(publisher) or DEFAULT_PUBLISHER,
                    year=year, collections=tuple(groups), parts=tuple(parts), index=tuple(index))


def _entry(number: int, q: HandbookQuestion) -> Entry:
    return Entry(number=number, text=_clean(q.text), options=tuple(_clean(o) for o in q.options[:len(LETTERS)]),
                 answer=LETTERS[q.correct_index], explanation=_clean(q.explanation), source=_clean(q.source))


def _clean(text: str) -> str:
    """NFC (precomposed letters print with any font), one line's whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def number_ranges(numbers) -> str:
    """1, 2, 3, 5, 7, 8 → "1–3, 5, 7, 8" (runs of three or more become a range)."""
    nums = sorted(set(numbers))
    out, i = [], 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        if j - i >= 2:
            out.append(f"{nums[i]}–{nums[j]}")
        else:
            out += [str(n) for n in nums[i:j + 1]]
        i = j + 1
    return ", ".join(out)


def roman(n: int) -> str:
    """1 → I, 4 → IV, 14 → XIV."""
    out = ""
    for value, sign in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                        (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sign, n - value
    return out
