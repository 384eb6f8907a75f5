"""Hypothesis strategies shared by the property tests: Vietnamese text as users paste it, and question drafts."""
from __future__ import annotations

import re

from hypothesis import strategies as st

from quizapp.domain import formats
from quizapp.domain.questions import QuestionDraft
from quizapp.domain.text import normalize_text

# Precomposed Vietnamese letters (both cases), the tone and letter marks as combining characters, and đ.
VIETNAMESE_LETTERS = ("aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứự"
                      "vxyỳỷỹýỵ")
VIETNAMESE_LETTERS += VIETNAMESE_LETTERS.upper()
COMBINING_MARKS = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"
PUNCTUATION = " .,;:!?\"'()[]-–—…«»/%&<>~=#{}\\@$*+_|^`"
CONTROL = "\x00\x01\x07\x08\t\x0b\x0c\x0e\x1b\x1f\x7f\x85\xa0\u200b\u200e\u2028\u2029\ufeff\r\n"
# Fragments that mean something to one reader or another (GIFT, Moodle, Aiken, the bank, HTML, spreadsheets).
TOKENS = ("::", "//", "\\n", "\\", "{", "}", "=", "~", "#", "####", "->", "%50%", "%-25%", "[html]", "[plain]",
          "[markdown]", "<b>", "</p>", "<br>", "&amp;", "&#123;", "&lt;", "ANSWER:", "ANSWER: B", "A)", "B.", "Q:",
          "ID:", "TOPIC:", "$CATEGORY:", "'=", "=SUM(A1)", "+84", "-5", "@", "_x000D_", "0912 345 678", "1.0",
          "Câu hỏi", "Đáp án đúng", "Phương án A", "Họ và tên", "tất cả đáp án trên")

_VIETNAMESE = VIETNAMESE_LETTERS + "0123456789" + PUNCTUATION
vietnamese_char = st.sampled_from(_VIETNAMESE)
# Text as organisers paste it: mostly Vietnamese, with marks, controls, markup fragments and any other character.
# (Runs of characters drawn as texts, not one character at a time: data generation is most of these tests' time.)
messy_text = st.lists(st.one_of(st.text(_VIETNAMESE, max_size=8), st.text(COMBINING_MARKS + CONTROL, max_size=3),
                                st.text(max_size=4), st.sampled_from(TOKENS)), max_size=8).map("".join)
# Cleaner text, for values that must survive a round trip: Vietnamese words, punctuation and markup fragments.
clean_text = st.lists(st.one_of(st.text(_VIETNAMESE, min_size=1, max_size=10), st.sampled_from(TOKENS)), min_size=1,
                      max_size=5).map("".join).map(normalize_text).filter(bool)
long_line = st.builds(lambda word, n: word * n, st.sampled_from(["ệ", "a", "Nguyễn ", "{~", "\u0301"]),
                      st.integers(1000, 20_000))
LINE_ENDINGS = ("\n", "\r\n", "\r")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1258", "latin-1", "cp1252", "utf-32")


def vietnamese_message(message: str) -> bool:
    """A message written for the user, in Vietnamese (it carries Vietnamese letters with their marks)."""
    return bool(message) and any(ch in VIETNAMESE_LETTERS and not ch.isascii() for ch in message)


@st.composite
def encoded(draw, text: str) -> bytes:
    """`text` with random line endings, perhaps a BOM, in a random encoding (unencodable characters replaced)."""
    ending = draw(st.sampled_from(LINE_ENDINGS))
    text = re.sub(r"\r\n|\r|\n", lambda _m: ending if draw(st.booleans()) else draw(st.sampled_from(LINE_ENDINGS)),
                  text) if draw(st.booleans()) else text.replace("\n", ending)
    if draw(st.booleans()):
        text = "\ufeff" + text
    encoding = draw(st.one_of(st.sampled_from(("utf-8", "utf-8-sig")), st.sampled_from(ENCODINGS)))
    return text.encode(encoding, errors="replace")


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """A valid file spoilt a little: bytes cut out, doubled, or messy text spliced in at random places."""
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(("insert", "cut", "double", "truncate")))
        if op == "insert":
            data = data[:at] + draw(st.one_of(messy_text, long_line)).encode("utf-8", "surrogatepass") + data[at:]
        elif op == "cut":
            data = data[:at] + data[at + draw(st.integers(1, 40)):]
        elif op == "double":
            data = data[:at] + data[at:at + 80] + data[at:]
        else:
            data = data[:at]
    return data


@st.composite
def drafts(draw, option_counts=(2, 6), text=clean_text, topic=None, need_explanation=False) -> QuestionDraft:
    """A valid QuestionDraft: normalised Vietnamese text, 2–6 distinct options, one key."""
    low, high = option_counts
    options = draw(st.lists(text, min_size=low, max_size=high, unique_by=str.casefold))
    explanation = draw(text if need_explanation else st.one_of(st.just(""), text))
    draft = QuestionDraft(
        text=draw(text), options=options, correct_index=draw(st.integers(0, len(options) - 1)),
        topic=draw(topic if topic is not None else st.one_of(st.just(""), text)),
        difficulty=draw(st.integers(1, 3)), explanation=explanation, source=draw(st.one_of(st.just(""), text)),
        external_id=draw(st.one_of(st.just(""), text)))
    assert not formats.validate_draft(draft, "sinh ngẫu nhiên"), draft
    return draft
