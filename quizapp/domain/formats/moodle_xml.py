"""Moodle XML: read (parsed with defusedxml) single-answer multichoice and truefalse; write multichoice.

Category pseudo-questions set the topic (last path segment) of the questions that follow; every other
question type is reported with `skipped_type`, at the line of its <question> element. A question that carries an
image (an <img> tag, @@PLUGINFILE@@, an attached <file>, Moodle 1.9's <image>/<image_base64>, a Markdown image) is
reported, never imported without it.
"""
from __future__ import annotations

import html
import re
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, ParseError, SubElement, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from quizapp.domain.formats import add_draft, html_to_text, media_in, media_issue, option_label, skipped_issue
from quizapp.domain.formats.gift import TRUE_FALSE_OPTIONS
from quizapp.domain.questions import ParseResult, QuestionDraft
from quizapp.domain.text import normalize_text

_HTML_FORMATS = {"html", "moodle_auto_format"}
_TYPE_NAMES = {"match": "matching", "multianswer": "cloze", "calculatedsimple": "calculated",
               "calculatedmulti": "calculated"}
# The paragraph of the general feedback in which export() writes the question's source.
_SOURCE = re.compile(r'<p class="source">\s*Nguồn:\s*(.*?)</p>', re.DOTALL)
_NAME_LENGTH = 60


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
    name = normalize_text(element.findtext("name/text", default=""))
    media = _media(element)
    if media:
        result.issues.append(media_issue(where, media, name or _text_of(element.find("questiontext"))))
        return
    explanation, source = _feedback(element.find("generalfeedback"))
    draft = QuestionDraft(text=_text_of(element.find("questiontext")), options=[], correct_index=-1,
                          topic=topic, explanation=explanation, source=source, location=where)
    draft.external_id = _external_id(element, name, draft.text)
    if kind == "truefalse":
        _read_truefalse(result, element, draft)
    else:
        _read_multichoice(result, element, draft)


def _media(element: Element) -> str:
    """What image or file the question carries and where (Vietnamese), or "" when it is text only."""
    for tag in ("image", "image_base64"):
        if (element.findtext(tag) or "").strip():
            return f"thẻ <{tag}> của Moodle"
    fields = [(element.find("questiontext"), "nội dung câu hỏi"), (element.find("generalfeedback"), "phần giải thích")]
    fields += [(answer, f"phương án {option_label(i)}") for i, answer in enumerate(element.findall("answer"))]
    for node, place in fields:
        if node is None:
            continue
        if node.find("file") is not None:
            return f"tệp đính kèm <file> trong {place}"
        found = media_in(node.findtext("text", default=""), markdown=node.get("format") == "markdown")
        if found:
            return f"{found} trong {place}"
    return ""


def _external_id(element: Element, name: str, text: str) -> str:
    """The question's ID: its <idnumber>, else its name unless the name only repeats the text's beginning."""
    idnumber = normalize_text(element.findtext("idnumber", default=""))
    if idnumber:
        return idnumber
    start = name.removesuffix("…").rstrip()
    return "" if start and text.startswith(start) else name


def _feedback(node: Element | None) -> tuple[str, str]:
    """(explanation, source) of a general feedback; the source is the paragraph export() writes for it."""
    if node is None or node.get("format", "html") not in _HTML_FORMATS:
        return _text_of(node), ""
    raw = node.findtext("text", default="")
    found = _SOURCE.search(raw)
    if not found:
        return html_to_text(raw), ""
    return html_to_text(raw[:found.start()] + raw[found.end():]), html_to_text(found.group(1))


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


# ---------------------------------------------------------------- export


def export(questions: list[QuestionDraft]) -> bytes:
    """Write questions as a Moodle XML quiz: a category per topic ($course$/top/<topic>), then single-answer
    multichoice questions with the explanation (and source) as general feedback, UTF-8."""
    quiz, topic = Element("quiz"), None
    for question in questions:
        if question.topic and question.topic != topic:
            quiz.append(_category(question.topic))
        topic = question.topic or topic
        quiz.append(_multichoice(question))
    ElementTree.indent(quiz)
    body = ElementTree.tostring(quiz, encoding="unicode", short_empty_elements=False)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _category(topic: str) -> Element:
    question = Element("question", type="category")
    _text(SubElement(question, "category"), "$course$/top/" + normalize_text(topic).replace("/", "//"))
    _text(SubElement(question, "info", format="html"), "")
    SubElement(question, "idnumber").text = ""
    return question


def _multichoice(q: QuestionDraft) -> Element:
    question = Element("question", type="multichoice")
    _text(SubElement(question, "name"), normalize_text(q.external_id) or _name_of(q.text))
    _text(SubElement(question, "questiontext", format="html"), _html(q.text))
    _text(SubElement(question, "generalfeedback", format="html"), _feedback_html(q))
    for tag, value in (("defaultgrade", "1"), ("penalty", "0.3333333"), ("hidden", "0"),
                       ("idnumber", normalize_text(q.external_id)), ("single", "true"),
                       ("shuffleanswers", "true"), ("answernumbering", "abc"), ("showstandardinstruction", "0")):
        SubElement(question, tag).text = value
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(SubElement(question, tag, format="html"), "")
    for index, option in enumerate(q.options):
        answer = SubElement(question, "answer", fraction="100" if index == q.correct_index else "0", format="html")
        _text(answer, _html(option, paragraph=False))
        _text(SubElement(answer, "feedback", format="html"), "")
    return question


def _text(parent: Element, value: str) -> None:
    SubElement(parent, "text").text = value


def _html(text: str, paragraph: bool = True) -> str:
    """Plain text as an HTML fragment: escaped, line breaks kept as <br>."""
    lines = [html.escape(normalize_text(line), quote=False) for line in (text or "").splitlines()]
    body = "<br>".join(line for line in lines if line)
    return f"<p>{body}</p>" if paragraph and body else body


def _feedback_html(q: QuestionDraft) -> str:
    parts = [_html(q.explanation)] if normalize_text(q.explanation) else []
    if normalize_text(q.source):
        parts.append(f'<p class="source">Nguồn: {_html(q.source, paragraph=False)}</p>')
    return "".join(parts)


def _name_of(text: str) -> str:
    """A question name for Moodle (which requires one) when the question has no ID: its text's beginning."""
    text = normalize_text(text)
    return text if len(text) <= _NAME_LENGTH else text[: _NAME_LENGTH - 1].rstrip() + "…"
