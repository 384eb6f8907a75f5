"""Moodle XML (read only, parsed with defusedxml): single-answer multichoice and truefalse.

Category pseudo-questions set the topic (last path segment) of the questions that follow; every other
question type is reported with `skipped_type`, at the line of its <question> element.
"""
from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from quizapp.domain.formats import add_draft, has_media, html_to_text, media_issue, skipped_issue
from quizapp.domain.formats.gift import TRUE_FALSE_OPTIONS
from quizapp.domain.questions import ParseResult, QuestionDraft
from quizapp.domain.text import normalize_text

_HTML_FORMATS = {"html", "moodle_auto_format"}
_TYPE_NAMES = {"match": "matching", "multianswer": "cloze", "calculatedsimple": "calculated",
               "calculatedmulti": "calculated"}


class _LineRecorder(TreeBuilder):
    """Tree builder that remembers the line of each <question> start tag, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.parser = None
        self.lines: list[int] = []

    def start(self, tag, attrs):
        if tag == "question" and self.parser is not None:
            self.lines.append(self.parser.parser.CurrentLineNumber)
        return super().start(tag, attrs)


def parse(data: bytes) -> ParseResult:
    """Read a Moodle XML <quiz> file; malformed XML gives a file_error."""
    root, lines, error = _load(data)
    if error:
        return ParseResult(file_error=error)
    result, topic = ParseResult(), ""
    for element, line in zip(root.iter("question"), lines):
        kind = element.get("type", "")
        if kind == "category":
            topic = _category_topic(element) or topic
        else:
            _read_question(result, element, kind, f"dòng {line}", topic)
    return result


def _load(data: bytes) -> tuple[Element | None, list[int], str]:
    """Parse safely; returns (root, <question> line numbers, Vietnamese error or "")."""
    builder = _LineRecorder()
    parser = DefusedXMLParser(target=builder)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        return None, [], f"Tệp XML bị lỗi cấu trúc (dòng {line}), không đọc được. Hãy xuất lại tệp từ Moodle."
    except DefusedXmlException:
        return None, [], "Tệp XML chứa khai báo DTD/thực thể không được phép, không đọc được."
    if root.tag != "quiz":
        return None, [], "Tệp XML không phải định dạng Moodle XML (thiếu thẻ <quiz>)."
    return root, builder.lines, ""


def _category_topic(element: Element) -> str:
    """The last segment of the category path ("$course$/top/Cải cách" → "Cải cách")."""
    path = element.findtext("category/text", default="").strip().replace("//", "\0")
    return normalize_text(path.split("/")[-1].replace("\0", "/"))


def _read_question(result: ParseResult, element: Element, kind: str, where: str, topic: str) -> None:
    if kind not in ("multichoice", "truefalse"):
        result.issues.append(skipped_issue(where, _TYPE_NAMES.get(kind, kind or "unknown")))
        return
    texts = [element.findtext("questiontext/text", default="")]
    texts += [answer.findtext("text", default="") for answer in element.findall("answer")]
    if any(has_media(text) for text in texts):
        result.issues.append(media_issue(where))
        return
    draft = QuestionDraft(text=_text_of(element.find("questiontext")), options=[], correct_index=-1,
                          topic=topic, explanation=_text_of(element.find("generalfeedback")),
                          external_id=normalize_text(element.findtext("name/text", default="")),
                          location=where)
    if kind == "truefalse":
        _read_truefalse(result, element, draft)
    else:
        _read_multichoice(result, element, draft)


def _text_of(node: Element | None) -> str:
    """Plain text of a Moodle text field (<x format="…"><text>…</text></x>), HTML converted."""
    if node is None:
        return ""
    text = node.findtext("text", default="")
    if node.get("format", "html") in _HTML_FORMATS:
        return html_to_text(text)
    return normalize_text(text)


def _fraction(answer: Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        return 0.0


def _read_multichoice(result: ParseResult, element: Element, draft: QuestionDraft) -> None:
    answers = element.findall("answer")
    fractions = [_fraction(a) for a in answers]
    correct = [i for i, f in enumerate(fractions) if f >= 99.9]
    single = element.findtext("single", default="true").strip().lower() in ("true", "1")
    partial = any(0 < f < 99.9 for f in fractions)
    if not single and (partial or len(correct) != 1):
        result.issues.append(skipped_issue(draft.location, "multichoice_multi"))
        return
    draft.options = [_text_of(a) for a in answers]
    draft.correct_index = correct[0] if len(correct) == 1 else -1
    add_draft(result, draft)


def _read_truefalse(result: ParseResult, element: Element, draft: QuestionDraft) -> None:
    right = [a for a in element.findall("answer") if _fraction(a) >= 99.9]
    value = normalize_text(right[0].findtext("text", default="")).lower() if len(right) == 1 else ""
    draft.options = list(TRUE_FALSE_OPTIONS)
    draft.correct_index = {"true": 0, "false": 1}.get(value, -1)
    add_draft(result, draft)
