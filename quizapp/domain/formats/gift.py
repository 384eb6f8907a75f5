"""GIFT format (Moodle): single-answer multiple choice and true/false; other types are reported.

Questions are blocks separated by blank lines, as in Moodle's reader. Supported:
    ::name:: Text {=right ~wrong ~wrong #feedback ####general feedback}
    ::name:: Text {T}   /  {TRUE}  /  {F}  /  {FALSE}
`$CATEGORY: path` blocks set the topic (last path segment) of the questions that follow.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from quizapp.domain.formats import (
    add_draft,
    decode_text,
    html_to_text,
    looks_like_html,
    media_in,
    media_issue,
    option_label,
    skipped_issue,
    split_lines,
)
from quizapp.domain.questions import ImportIssue, ParseResult, QuestionDraft
from quizapp.domain.text import normalize_text

TRUE_FALSE_OPTIONS = ["Đúng", "Sai"]

# Escaped characters are swapped for private-use placeholders while parsing, then restored.
_PLACEHOLDERS = {":": "\ue03a", "#": "\ue023", "=": "\ue03d", "{": "\ue07b", "}": "\ue07d", "~": "\ue07e"}
_BACKSLASH, _NEWLINE = "\ue05c", "\ue00a"
_FORMATS = {"html", "moodle", "plain", "markdown"}
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = {"T": 0, "TRUE": 0, "F": 1, "FALSE": 1}


@dataclass
class _Block:
    """One question block: its first non-comment line number and its text."""

    line: int
    text: str


def parse(data: bytes) -> ParseResult:
    """Read a GIFT file; unsupported question types are reported at the line the question starts."""
    text, error = decode_text(data)
    if error:
        return ParseResult(file_error=error)
    result, topic = ParseResult(), ""
    for block in _blocks(split_lines(text)):
        body = _protect(block.text)
        if body.startswith("$CATEGORY:"):
            topic = _category_topic(body[len("$CATEGORY:"):])
            continue
        _read_question(result, block.line, body, topic)
    return result


def _blocks(lines: list[str]) -> list[_Block]:
    """Group lines into blank-line separated blocks, dropping `//` comment lines."""
    blocks, current, start = [], [], 0
    for number, line in enumerate(lines + [""], start=1):
        stripped = line.strip()
        if not stripped:
            if current:
                blocks.append(_Block(start, "\n".join(current).strip()))
            current = []
        elif not stripped.startswith("//"):
            start = start if current else number
            current.append(line)
    return blocks


def _protect(text: str) -> str:
    """Replace escaped characters (\\\\, \\n, \\:, \\#, …) with placeholders."""
    text = text.replace("\\\\", _BACKSLASH).replace("\\n", _NEWLINE)
    for char, placeholder in _PLACEHOLDERS.items():
        text = text.replace("\\" + char, placeholder)
    return text


def _restore(text: str) -> str:
    for char, placeholder in _PLACEHOLDERS.items():
        text = text.replace(placeholder, char)
    return text.replace(_NEWLINE, " ").replace(_BACKSLASH, "\\")


def _category_topic(path: str) -> str:
    """The last segment of a Moodle category path ("$course$/top/Cải cách" → "Cải cách")."""
    segments = [s.replace("\0", "/") for s in path.strip().replace("//", "\0").split("/")]
    return normalize_text(_restore(segments[-1])) if segments else ""


def _read_question(result: ParseResult, line: int, body: str, topic: str) -> None:
    where = f"dòng {line}"
    name, body = _split_name(body)
    start, finish = body.find("{"), body.find("}")
    if start < 0 and finish < 0:
        result.issues.append(skipped_issue(where, "description"))
        return
    if start < 0 or finish < start:
        result.issues.append(ImportIssue(where, "", "Thiếu dấu ngoặc «{» hoặc «}» bao quanh phần đáp án."))
        return
    answers, general = _split_general_feedback(body[start + 1:finish].strip())
    # Moodle's "missing word" form: text after the answers means the answers fill a blank.
    stem = body[:start] + ("" if body.endswith("}") else "_____") + body[finish + 1:]
    fmt, stem = _format_marker(stem.strip(), "moodle")
    general_fmt, general = _format_marker(general, fmt)
    draft = QuestionDraft(text=_to_text(stem, fmt), options=[], correct_index=-1, topic=topic,
                          explanation=_to_text(general, general_fmt),
                          external_id=normalize_text(_restore(name)), location=where)
    media = _media(stem, fmt, "nội dung câu hỏi") or _media(general, general_fmt, "phần giải thích")
    if media:
        result.issues.append(media_issue(where, media, draft.external_id or draft.text))
        return
    _read_answers(result, draft, answers, fmt)


def _media(text: str, fmt: str, place: str) -> str:
    """What image a GIFT fragment embeds and where (Vietnamese), or "" when none.

    HTML media count in every format (even [plain]: the tag would show as text); Markdown images wherever
    Markdown could be meant, i.e. not in [plain] or [html] text.
    """
    found = media_in(text, markdown=fmt in ("markdown", "moodle"))
    return f"{found} trong {place}" if found else ""


def _split_name(body: str) -> tuple[str, str]:
    if not body.startswith("::"):
        return "", body
    end = body.find("::", 2)
    if end < 0:
        return "", body[2:]
    return body[2:end], body[end + 2:].strip()


def _split_general_feedback(answers: str) -> tuple[str, str]:
    cut = answers.rfind("####")
    if cut < 0:
        return answers, ""
    return answers[:cut].strip(), answers[cut + 4:].strip()


def _format_marker(text: str, default: str) -> tuple[str, str]:
    """Split a leading [html]/[plain]/[moodle]/[markdown] marker; returns (format, text)."""
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in _FORMATS:
            return text[1:end], text[end + 1:]
    return default, text


def _to_text(text: str, fmt: str) -> str:
    """Plain text of a GIFT fragment in format `fmt`; HTML is converted, never kept."""
    text = _restore(text)
    if fmt == "html" or (fmt == "moodle" and looks_like_html(text)):
        return html_to_text(text)
    return normalize_text(text)


def _read_answers(result: ParseResult, draft: QuestionDraft, answers: str, fmt: str) -> None:
    """Classify the answer section like Moodle does, then import or report the question."""
    kind = _answer_kind(answers)
    if kind == "truefalse":
        draft.options = list(TRUE_FALSE_OPTIONS)
        draft.correct_index = _TRUE_FALSE[answers.split("#", 1)[0].strip()]
        add_draft(result, draft)
    elif kind == "multichoice":
        _read_multichoice(result, draft, answers, fmt)
    else:
        result.issues.append(skipped_issue(draft.location, kind))


def _answer_kind(answers: str) -> str:
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "matching"
    if answers.split("#", 1)[0].strip() in _TRUE_FALSE:
        return "truefalse"
    return "shortanswer"


def _read_multichoice(result: ParseResult, draft: QuestionDraft, answers: str, fmt: str) -> None:
    """Import `=right ~wrong` answers; partial-credit weights mean multiple response (unsupported)."""
    parts = [p.strip() for p in answers.replace("=", "~=").split("~")]
    parts = parts[1:] if not parts[0] else parts
    weights, options = [], []
    for index, part in enumerate(parts):
        weight, part = _weight(part)
        option_fmt, option = _format_marker(part.split("#", 1)[0].strip(), fmt)
        media = _media(option, option_fmt, f"phương án {option_label(index)}")
        if media:
            result.issues.append(media_issue(draft.location, media, draft.external_id or draft.text))
            return
        weights.append(weight)
        options.append(_to_text(option, option_fmt))
    if any(0 < w < 100 for w in weights):
        result.issues.append(skipped_issue(draft.location, "multichoice_multi"))
        return
    correct = [i for i, w in enumerate(weights) if w >= 100]
    draft.options, draft.correct_index = options, correct[0] if len(correct) == 1 else -1
    add_draft(result, draft)


def _weight(part: str) -> tuple[float, str]:
    """Answer weight in percent (100 for `=`, 0 for plain `~`) and the answer without its prefix."""
    if part.startswith("="):
        return 100.0, part[1:].strip()
    match = _WEIGHT.match(part)
    if match:
        return float(match.group(1)), part[match.end():].strip()
    return 0.0, part


# ---------------------------------------------------------------- export


def export(questions: list[QuestionDraft]) -> bytes:
    """Write questions as GIFT: $CATEGORY per topic, ::ID:: names, =right ~wrong, ####explanation."""
    blocks, topic = [], None
    for question in questions:
        if question.topic and question.topic != topic:
            blocks.append(f"$CATEGORY: {_category_path(question.topic)}")
        topic = question.topic or topic
        blocks.append(_question_block(question))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _category_path(topic: str) -> str:
    """A topic as a $CATEGORY path: "/" doubled (a path separator otherwise) and "\\" escaped, since the reader
    unescapes \\n, \\: and the like in the path too."""
    return normalize_text(topic).replace("\\", "\\\\").replace("/", "//")


def _question_block(question: QuestionDraft) -> str:
    name = f"::{_escape(question.external_id)}::" if question.external_id else ""
    lines = [f"{name}{_fragment(question.text)} {{"]
    for index, option in enumerate(question.options):
        lines.append(f"\t{'=' if index == question.correct_index else '~'}{_fragment(option)}")
    if question.explanation:
        lines.append(f"\t####{_fragment(question.explanation)}")
    lines.append("}")
    return "\n".join(lines)


def _fragment(text: str) -> str:
    """Escape a text for GIFT, marking it [plain] when it could be read as HTML, a marker, a comment or an answer
    weight ("%50%…", which GIFT has no escape for: the marker in front keeps it text)."""
    text = normalize_text(text)
    marker = "[plain]" if looks_like_html(text) or text.startswith(("[", "//")) or _WEIGHT.match(text) else ""
    return marker + _escape(text)


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in ":#={}~":
        text = text.replace(char, "\\" + char)
    return text
