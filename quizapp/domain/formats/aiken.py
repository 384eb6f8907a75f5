"""Aiken format, read the way Moodle's qformat_aiken reads it.

    Question text (one line)
    A) Choice        (or "A." ; the space after the label is optional)
    B) Choice
    ANSWER: B

Any line that is neither a choice nor an ANSWER line starts a new question. Errors are reported by
1-based line number, like Moodle: too few choices (at the ANSWER line), a choice or ANSWER line outside
a question, and a question left without ANSWER when the next one starts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from quizapp.domain.formats import add_draft, decode_text, option_label, split_lines
from quizapp.domain.questions import ImportIssue, ParseResult, QuestionDraft
from quizapp.domain.text import normalize_text

_CHOICE = re.compile(r"^[A-Z][).][ \t]?")
_ANSWER = re.compile(r"^ANSWER:")


@dataclass
class _Open:
    """A question being read: its first line and the choices seen so far."""

    line: int
    text: str
    options: list[str] = field(default_factory=list)


def parse(data: bytes) -> ParseResult:
    """Read an Aiken file; each problem is reported at its line ("dòng N")."""
    text, error = decode_text(data)
    if error:
        return ParseResult(file_error=error)
    result, current = ParseResult(), None
    for number, raw in enumerate(split_lines(text), start=1):
        line = raw.strip()
        if len(line.encode("utf-8")) < 2:  # Moodle skips lines shorter than two bytes
            continue
        current = _read_line(result, current, number, line)
    if current is not None:
        result.issues.append(ImportIssue(f"dòng {current.line}", "đáp án",
                                         f"Câu hỏi «{_short(current.text)}» chưa có dòng ANSWER (đã hết tệp)."))
    return result


def _read_line(result: ParseResult, current: _Open | None, number: int, line: str) -> _Open | None:
    """Apply one non-blank line; returns the question still open afterwards."""
    where = f"dòng {number}"
    if _CHOICE.match(line) or _ANSWER.match(line):
        if current is None:
            message = "Dòng phương án/ANSWER nằm ngoài câu hỏi (câu hỏi chưa bắt đầu)."
            result.issues.append(ImportIssue(where, "", message))
            return None
        if _CHOICE.match(line):
            current.options.append(normalize_text(line[2:]))
            return current
        _finish(result, current, number, line)
        return None
    if current is not None:
        message = f"Câu hỏi «{_short(current.text)}» chưa có dòng ANSWER trước khi câu hỏi mới bắt đầu."
        result.issues.append(ImportIssue(where, "đáp án", message))
    return _Open(number, normalize_text(line))


def _finish(result: ParseResult, current: _Open, number: int, line: str) -> None:
    """Close `current` at its ANSWER line and add it (or the reason it cannot be added)."""
    where = f"dòng {number}"
    if len(current.options) < 2:
        result.issues.append(ImportIssue(where, "phương án", "Câu hỏi phải có ít nhất 2 phương án."))
        return
    letter = line[line.index(":") + 1:].strip()[:1]
    index = ord(letter) - ord("A") if letter else -1
    if not 0 <= index < len(current.options):
        message = f"Đáp án «{letter}» không ứng với phương án nào (A–{option_label(len(current.options) - 1)})."
        result.issues.append(ImportIssue(where, "đáp án", message))
        return
    draft = QuestionDraft(text=current.text, options=current.options, correct_index=index,
                          location=f"dòng {current.line}")
    add_draft(result, draft)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def export(questions: list[QuestionDraft]) -> bytes:
    """Write questions as Aiken (text, choices and answer only), UTF-8."""
    blocks = []
    for question in questions:
        lines = [normalize_text(question.text)]
        lines += [f"{option_label(i)}) {normalize_text(o)}" for i, o in enumerate(question.options)]
        lines.append(f"ANSWER: {option_label(question.correct_index)}")
        blocks.append("\n".join(lines))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")
