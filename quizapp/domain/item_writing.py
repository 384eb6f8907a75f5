"""The item-writing check: signs that a question can be answered without knowing the subject.

Per question: the correct option is uniquely the longest; the correct option repeats the stem's words while the
distractors do not; the question asks for a document's number or date; an option is so much shorter or longer
than the others that it cannot be a serious choice; two options say the same. Across a set: how often each sign
occurs, against the limits a bank must keep (a uniquely-longest key in at most 30% of questions, document-number
recall in at most 5%), and pairs of questions that test the same fact.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from quizapp.domain.questions import QuestionDraft
from quizapp.domain.text import dedup_key, fold_accents

MAX_LONGEST_SHARE = 0.30
MAX_TRIVIA_SHARE = 0.05
SAME_FACT_STEM = 88.0  # stems this similar (0–100) ask the same thing
SAME_FACT_STEM_AND_KEY = 72.0  # ...or, with the same correct answer, this similar

SIGN_LABELS = {
    "longest_key": "Đáp án đúng dài nhất một cách rõ rệt",
    "stem_echo": "Đáp án đúng lặp lại từ ngữ của câu hỏi, các phương án nhiễu thì không",
    "document_trivia": "Hỏi số hiệu hoặc ngày tháng của văn bản",
    "odd_length": "Có phương án ngắn hoặc dài bất thường so với các phương án khác (khó là phương án nghiêm túc)",
    "same_options": "Có hai phương án giống nhau",
}

# What to do about each sign, said to the organiser who wrote the question.
SIGN_ADVICE = {
    "longest_key": "thí sinh dễ đoán đúng mà không cần biết nội dung; hãy viết các phương án dài tương đương",
    "stem_echo": "hãy diễn đạt đáp án đúng bằng lời khác, hoặc để các phương án nhiễu cũng dùng từ ngữ của câu hỏi",
    "document_trivia": "nên hỏi nội dung, ý nghĩa của văn bản thay vì số hiệu, ngày tháng",
    "odd_length": "hãy viết lại phương án đó cho cân đối với các phương án khác",
    "same_options": "hãy sửa để mỗi phương án nói một ý khác nhau",
}

_STOPWORDS = frozenset(fold_accents(w) for w in ["và", "của", "các", "là", "theo", "trong", "có", "được", "cho", "với", "những", "một", "để", "từ", "tại", "đến", "về", "khi", "này", "đó", "thì", "nào", "gì", "bao", "nhiêu", "hay", "hoặc", "người", "do", "trên", "không", "phải", "nhất", "đã", "sẽ", "đang", "cần", "như", "ai", "bị", "ra", "vào"])
_WORD = re.compile(r"\w+")
_NUMBERS = re.compile(r"\d+")
_DOC_NUMBER = re.compile(r"\b\d+[a-z]?/(\d{4}/)?[a-z]{1,4}\b|\b\d+-(nq|qd|kl|ct)/tw\b|\b\d{1,2}/\d{1,2}/\d{4}\b")
_DATE_OPTION = re.compile(r"^(ngay )?\d{1,2}/\d{1,2}(/\d{4})?$|^(thang )?\d{1,2}/\d{4}$|^(nam )?\d{4}$")
_TRIVIA_STEM = re.compile(r"\bso hieu\b(?! qua)|\bban hanh (vao )?ngay\b|\bngay ban hanh\b|\bky ngay\b|\bnam nao\b.*\bban hanh\b")


@dataclass(frozen=True)
class ItemSign:
    """One sign found on one question."""

    ref: str  # the question's ID, or where it is in the file
    sign: str  # a key of SIGN_LABELS
    detail: str = ""

    @property
    def message(self) -> str:
        return SIGN_LABELS[self.sign] + (f": {self.detail}" if self.detail else "")

    @property
    def advice(self) -> str:
        """What the writer could do about it (Vietnamese)."""
        return SIGN_ADVICE[self.sign]


@dataclass(frozen=True)
class SameFact:
    """Two questions that test the same fact (one attempt could draw both)."""

    a: str
    b: str
    similarity: float


@dataclass
class ItemReport:
    """The check over a set of questions."""

    total: int = 0
    signs: list[ItemSign] = field(default_factory=list)
    same_facts: list[SameFact] = field(default_factory=list)
    with_unique_longest: int = 0  # questions whose options differ in length enough to have a longest one
    pairs_checked: bool = True  # False when the set was too large to look for questions testing the same fact

    def count(self, sign: str) -> int:
        return sum(1 for s in self.signs if s.sign == sign)

    def share(self, sign: str) -> float:
        base = self.with_unique_longest if sign == "longest_key" else self.total
        return self.count(sign) / base if base else 0.0

    @property
    def problems(self) -> list[str]:
        """What breaks the bank's limits (Vietnamese), empty when the set passes."""
        out = []
        if self.share("longest_key") > MAX_LONGEST_SHARE:
            out.append(f"{self.share('longest_key'):.0%} số câu có đáp án đúng dài nhất (tối đa "
                       f"{MAX_LONGEST_SHARE:.0%}): {self.count('longest_key')}/{self.with_unique_longest} câu.")
        if self.share("document_trivia") > MAX_TRIVIA_SHARE:
            out.append(f"{self.share('document_trivia'):.0%} số câu hỏi số hiệu, ngày tháng văn bản (tối đa "
                       f"{MAX_TRIVIA_SHARE:.0%}): {self.count('document_trivia')}/{self.total} câu.")
        out += [f"{s.ref}: {s.message}." for s in self.signs if s.sign in ("same_options", "odd_length")]
        out += [f"{f.a} và {f.b} kiểm tra cùng một nội dung (giống {f.similarity:.0f}%)." for f in self.same_facts]
        return out

    @property
    def has_advice(self) -> bool:
        """True when some question shows a sign or two questions test the same fact."""
        return bool(self.signs or self.same_facts)

    @property
    def share_lines(self) -> list[str]:
        """The set's shares against the bank's limits, one Vietnamese sentence each (advice, not a verdict)."""
        lines = []
        for sign, limit, base, of in (
                ("longest_key", MAX_LONGEST_SHARE, self.with_unique_longest, "câu có một phương án dài nhất"),
                ("document_trivia", MAX_TRIVIA_SHARE, self.total, "câu")):
            over = " — vượt mức nên có" if self.share(sign) > limit else ""
            lines.append(f"{SIGN_LABELS[sign]}: {self.count(sign)}/{base} {of} ({self.share(sign):.0%}; nên không "
                         f"quá {limit:.0%}){over}.")
        return lines

    @property
    def same_fact_lines(self) -> list[str]:
        """Each pair of questions that test the same fact, as advice (Vietnamese)."""
        lines = [f"{f.a} và {f.b} kiểm tra cùng một nội dung (giống {f.similarity:.0f}%): một lượt thi có thể rút cả "
                 "hai câu; hãy bỏ bớt hoặc sửa một câu." for f in self.same_facts]
        if not self.pairs_checked:
            total = f"{self.total:,}".replace(",", ".")
            lines.append(f"Tệp có {total} câu, quá nhiều để dò các cặp câu kiểm tra cùng một nội dung; hãy chia tệp "
                         "nhỏ hơn nếu cần dò.")
        return lines


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(fold_accents(text)) if w not in _STOPWORDS and len(w) > 1}


def _lengths(options: Sequence[str]) -> list[int]:
    return [len(" ".join(o.split())) for o in options]


def unique_longest(options: Sequence[str]) -> int | None:
    """Index of the option strictly longer than every other (in characters), else None (a tie)."""
    lengths = _lengths(options)
    if len(lengths) < 2 or lengths.count(max(lengths)) > 1:
        return None
    return lengths.index(max(lengths))


def _stem_echo(q: QuestionDraft) -> bool:
    stem = _words(q.text)
    if not stem:
        return False
    overlap = [len(_words(o) & stem) / max(1, len(_words(o))) for o in q.options]
    key = overlap[q.correct_index]
    others = max((v for i, v in enumerate(overlap) if i != q.correct_index), default=0.0)
    return key >= 0.5 and key - others >= 0.3


def is_document_trivia(q: QuestionDraft) -> bool:
    """The question asks which number or date a document has (recall of wording, not of substance)."""
    stem = fold_accents(q.text)
    if _TRIVIA_STEM.search(stem):
        return True
    folded = [fold_accents(o).strip(" .") for o in q.options]
    ids = sum(1 for o in folded if _DATE_OPTION.match(o) or (_DOC_NUMBER.search(o) and len(o) < 90))
    return ids >= 3 and ("van ban nao" in stem or "ngay" in stem
                         or any(_DATE_OPTION.match(o) for o in folded))


def _odd_length(options: Sequence[str]) -> str:
    lengths = _lengths(options)
    for i, n in enumerate(lengths):
        others = [m for j, m in enumerate(lengths) if j != i]
        mean = sum(others) / len(others)
        if mean >= 12 and n * 4 < mean:
            return f"phương án {'ABCDEF'[i]} chỉ {n} ký tự, các phương án khác trung bình {mean:.0f}"
        if n >= 40 and n > 3.5 * mean:
            return f"phương án {'ABCDEF'[i]} dài {n} ký tự, các phương án khác trung bình {mean:.0f}"
    return ""


def signs_of(q: QuestionDraft, ref: str = "") -> list[ItemSign]:
    """The signs found on one question."""
    ref = ref or q.external_id or q.location
    out = []
    if unique_longest(q.options) == q.correct_index:
        out.append(ItemSign(ref, "longest_key"))
    if _stem_echo(q):
        out.append(ItemSign(ref, "stem_echo"))
    if is_document_trivia(q):
        out.append(ItemSign(ref, "document_trivia"))
    odd = _odd_length(q.options)
    if odd:
        out.append(ItemSign(ref, "odd_length", odd))
    keys = [dedup_key(o) for o in q.options]
    if len(set(keys)) < len(keys):
        out.append(ItemSign(ref, "same_options"))
    return out


def same_facts(questions: Sequence[QuestionDraft], ref: Callable[[QuestionDraft], str] | None = None
               ) -> list[SameFact]:
    """Pairs whose stems ask the same thing, or nearly so with the same correct answer.

    Candidates share a rare stem word, so not every pair is scored. `ref` names a question (its ID, else where it
    is in the file, by default).
    """
    ref = ref or _ref
    stems = [dedup_key(q.text) for q in questions]
    keys = [dedup_key(q.options[q.correct_index]) for q in questions]
    words = [_words(q.text) for q in questions]
    frequency: dict[str, int] = {}
    for ws in words:
        for w in ws:
            frequency[w] = frequency.get(w, 0) + 1
    index: dict[str, list[int]] = {}
    for i, ws in enumerate(words):
        for w in sorted(ws, key=lambda w: (frequency[w], w))[:6]:
            index.setdefault(w, []).append(i)
    numbers = [_NUMBERS.findall(stem) for stem in stems]
    found = []
    for i in range(len(questions)):
        candidates = {j for w in sorted(words[i], key=lambda w: (frequency[w], w))[:6] for j in index.get(w, ()) if j > i}
        for j in sorted(candidates):
            if numbers[i] != numbers[j]:
                continue  # "đến năm 2025" and "đến năm 2030" ask different things
            sim = _stem_similarity(stems[i], stems[j])
            if sim >= SAME_FACT_STEM or (sim >= SAME_FACT_STEM_AND_KEY and keys[i] == keys[j]):
                found.append(SameFact(ref(questions[i]), ref(questions[j]), sim))
    return found


def _stem_similarity(a: str, b: str) -> float:
    """Similarity of two stems once the words they begin and end with alike are set aside.

    Stems such as "Theo Nghị quyết ... của tỉnh Hà Tĩnh, ParIndex là gì?" and "..., PCI là gì?" share a long
    preamble; what they ask is in the words that differ.
    """
    wa, wb = a.split(), b.split()
    start = 0
    while start < min(len(wa), len(wb)) and wa[start] == wb[start]:
        start += 1
    end = 0
    while end < min(len(wa), len(wb)) - start and wa[-1 - end] == wb[-1 - end]:
        end += 1
    rest_a, rest_b = wa[start:len(wa) - end], wb[start:len(wb) - end]
    if not rest_a and not rest_b:
        return 100.0
    if start + end >= 4:  # a shared frame: judge by what differs, weighted by how much of the stem that is
        differ = fuzz.token_sort_ratio(" ".join(rest_a), " ".join(rest_b))
        share = (start + end) / max(len(wa), len(wb))
        return min(fuzz.token_sort_ratio(a, b), differ + (100 - differ) * share * 0.5)
    return fuzz.token_sort_ratio(a, b)


def _ref(q: QuestionDraft) -> str:
    return q.external_id or q.location


def check(questions: Sequence[QuestionDraft], ref: Callable[[QuestionDraft], str] | None = None,
          pairs_limit: int | None = None) -> ItemReport:
    """The item-writing check over a set of questions; `ref` names a question in the report (default: its ID,
    else where it is in the file). Pairs testing the same fact are looked for only up to `pairs_limit` questions
    (the search can grow with the square of the set)."""
    ref = ref or _ref
    report = ItemReport(total=len(questions))
    for q in questions:
        report.signs += signs_of(q, ref(q))
        if unique_longest(q.options) is not None:
            report.with_unique_longest += 1
    report.pairs_checked = pairs_limit is None or len(questions) <= pairs_limit
    report.same_facts = same_facts(questions, ref) if report.pairs_checked else []
    return report


def where_in_file(q: QuestionDraft) -> str:
    """A question named by where it is in its file, with its ID when it has one ("dòng 12 (TTHC-01)")."""
    if q.location and q.external_id:
        return f"{q.location} ({q.external_id})"
    return q.location or q.external_id
