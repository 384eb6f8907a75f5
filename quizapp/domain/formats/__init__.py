"""Question-file readers and writers: detection, parsing, validation and export (pure Python)."""
from __future__ import annotations

import importlib
import re
from html.parser import HTMLParser

from quizapp.domain.questions import ImportIssue, ParseResult, QuestionDraft
from quizapp.domain.text import normalize_text

FORMATS = ("xlsx", "csv", "aiken", "gift", "moodle_xml", "bank")
EXPORT_FORMATS = ("xlsx", "csv", "aiken", "gift", "moodle_xml", "bank")

MAX_TEXT_LENGTH = 2000
MIN_OPTIONS, MAX_OPTIONS = 2, 6

# Module holding each format's reader/writer (imported lazily: submodules import helpers from here).
_MODULES = {"xlsx": "tabular", "csv": "tabular", "aiken": "aiken", "gift": "gift",
            "moodle_xml": "moodle_xml", "bank": "bank"}
_EXTENSIONS = {".xlsx": "xlsx", ".csv": "csv", ".gift": "gift", ".xml": "moodle_xml"}

# Vietnamese names of question types the app does not support.
SKIPPED_TYPE_NAMES = {
    "essay": "tự luận",
    "matching": "ghép đôi",
    "numerical": "câu trả lời số",
    "shortanswer": "trả lời ngắn",
    "multichoice_multi": "nhiều đáp án đúng",
    "description": "mô tả (không có đáp án)",
    "cloze": "điền khuyết nhiều chỗ (cloze)",
    "calculated": "tính toán",
    "ddwtos": "kéo thả vào văn bản",
    "gapselect": "chọn từ điền chỗ trống",
    "ddimageortext": "kéo thả vào hình",
    "ddmarker": "kéo thả điểm đánh dấu",
    "randomsamatch": "ghép đôi ngẫu nhiên",
    "ordering": "sắp xếp thứ tự",
}

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BANK_HEADER = re.compile(r"^\s*TOPIC:", re.MULTILINE)
_GIFT_SYNTAX = re.compile(r"\{[^{}]*\}|^\s*::", re.MULTILINE)
_HTML_HINT = re.compile(r"<[A-Za-z/!][^>]*>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_MEDIA = re.compile(r"<(img|video|audio|object|embed|iframe|svg|picture|canvas)\b|@@PLUGINFILE@@", re.IGNORECASE)
# Markdown images, inline ![alt](url) or by reference ![alt][ref].
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]\n]*\]\s*[(\[]")


def detect_format(filename: str, head: bytes) -> str | None:
    """Guess the format from the file name, sniffing the first bytes of .txt files."""
    name = (filename or "").lower()
    ext = name[name.rfind("."):] if "." in name else ""
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if ext != ".txt":
        return None
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    if _BANK_HEADER.search(text):
        return "bank"
    if _GIFT_SYNTAX.search(text):
        return "gift"
    return "aiken"


def parse(data: bytes, fmt: str, filename: str = "") -> ParseResult:
    """Read a question file of format `fmt`; bad questions become issues, an unreadable file a file_error.

    `filename` is the upload's name, for callers' symmetry with detect_format; no rule depends on it.
    """
    if fmt not in FORMATS:
        return ParseResult(file_error=f"Định dạng tệp «{fmt}» không được hỗ trợ.")
    if not data or not data.strip():
        return ParseResult(file_error="Tệp rỗng, không có nội dung.")
    module = _module(fmt)
    if fmt == "bank":
        result = module.parse_bank(data).result  # an upload's name need not be "<slug>.txt"
    elif fmt in ("xlsx", "csv"):
        result = module.parse_xlsx(data) if fmt == "xlsx" else module.parse_csv(data)
    else:
        result = module.parse(data)
    if not result.file_error and not result.questions and not result.issues:
        result.file_error = "Không tìm thấy câu hỏi nào trong tệp."
    return result


def export(questions: list[QuestionDraft], fmt: str) -> bytes:
    """Write questions in format `fmt` (xlsx, csv, aiken, gift, moodle_xml or bank)."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"cannot export format {fmt!r}")
    module = _module(fmt)
    if fmt == "xlsx":
        return module.export_xlsx(questions)
    if fmt == "csv":
        return module.export_csv(questions)
    return module.export(questions)


def _module(fmt: str):
    return importlib.import_module(f"{__name__}.{_MODULES[fmt]}")


# ---------------------------------------------------------------- validation


def validate_draft(draft: QuestionDraft, location: str) -> list[ImportIssue]:
    """Check the rules every imported question must meet; an empty list means it may be imported."""
    issues = _check_text(draft, location) + _check_options(draft, location)
    if not 0 <= draft.correct_index < len(draft.options):
        issues.append(ImportIssue(location, "đáp án", "Câu hỏi phải có đúng một đáp án đúng."))
    if draft.difficulty not in (1, 2, 3):
        issues.append(ImportIssue(location, "mức độ", "Mức độ phải là 1 (dễ), 2 (trung bình) hoặc 3 (khó)."))
    return issues


def _check_text(draft: QuestionDraft, location: str) -> list[ImportIssue]:
    text = normalize_text(draft.text)
    if not text:
        return [ImportIssue(location, "câu hỏi", "Nội dung câu hỏi trống.")]
    if len(text) > MAX_TEXT_LENGTH:
        message = f"Nội dung câu hỏi dài {len(text)} ký tự, vượt quá {MAX_TEXT_LENGTH} ký tự."
        return [ImportIssue(location, "câu hỏi", message)]
    return []


def _check_options(draft: QuestionDraft, location: str) -> list[ImportIssue]:
    count = len(draft.options)
    if not MIN_OPTIONS <= count <= MAX_OPTIONS:
        message = f"Câu hỏi có {count} phương án; cần từ {MIN_OPTIONS} đến {MAX_OPTIONS} phương án."
        return [ImportIssue(location, "phương án", message)]
    issues, seen = [], set()
    for index, option in enumerate(draft.options):
        key = normalize_text(option).casefold()
        label = option_label(index)
        if not key:
            issues.append(ImportIssue(location, "phương án", f"Phương án {label} trống."))
        elif key in seen:
            issues.append(ImportIssue(location, "phương án", f"Phương án {label} trùng với một phương án khác."))
        seen.add(key)
    return issues


def option_label(index: int) -> str:
    """The letter shown for option number `index` (0 → "A")."""
    return chr(ord("A") + index)


def add_draft(result: ParseResult, draft: QuestionDraft) -> None:
    """Validate `draft` and add it to `result` as a question, or add its issues instead."""
    issues = validate_draft(draft, draft.location)
    if issues:
        result.issues.extend(issues)
    else:
        result.questions.append(draft)


def skipped_issue(location: str, kind: str) -> ImportIssue:
    """The issue reported for a question of an unsupported type (`kind`, e.g. "essay")."""
    name = SKIPPED_TYPE_NAMES.get(kind, kind)
    return ImportIssue(location, "", f"Dạng câu hỏi «{name}» chưa được hỗ trợ, đã bỏ qua.", skipped_type=kind)


def media_issue(location: str, detail: str = "", name: str = "") -> ImportIssue:
    """The issue reported for a question that embeds an image or other file (`detail`: what and where).

    Such a question is never imported without its image: the organiser is told to write the image's content as
    text instead.
    """
    who = f"Câu hỏi «{_short(name)}»" if name else "Câu hỏi"
    what = f" ({detail})" if detail else ""
    message = (f"{who} có hình ảnh hoặc tệp nhúng{what}; ứng dụng chỉ hiển thị câu hỏi dạng chữ nên không nhập "
               "câu này. Hãy viết lại nội dung của hình thành chữ (hoặc bỏ hình nếu không cần) rồi nhập lại tệp.")
    return ImportIssue(location, "câu hỏi", message)


def _short(text: str, limit: int = 60) -> str:
    text = normalize_text(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- text helpers


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a UTF-8 text file (BOM allowed); returns (text, Vietnamese error or "")."""
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return "", ("Tệp không ở mã UTF-8 (có thể là Windows-1258 hoặc TCVN3). "
                    "Hãy mở tệp và lưu lại với mã UTF-8 rồi tải lên lại.")


def split_lines(text: str) -> list[str]:
    """Split on \\r\\n, \\r or \\n only, so line numbers match what editors show."""
    return _LINE_BREAK.split(text)


def looks_like_html(text: str) -> bool:
    """True when `text` contains an HTML tag or character entity."""
    return bool(_HTML_HINT.search(text))


def has_media(text: str) -> bool:
    """True when HTML `text` embeds an image, video or other file the app cannot show."""
    return bool(_MEDIA.search(text))


def media_in(text: str, markdown: bool = False) -> str:
    """What media `text` embeds, in Vietnamese ("thẻ <img>"), or "" when none; `markdown` also looks for
    Markdown images (![alt](url))."""
    found = _MEDIA.search(text or "")
    if found:
        return "tệp nhúng @@PLUGINFILE@@" if found.group(1) is None else f"thẻ <{found.group(1).lower()}>"
    if markdown and _MARKDOWN_IMAGE.search(text or ""):
        return "ảnh Markdown ![…](…)"
    return ""


class _TextExtractor(HTMLParser):
    _BLOCKS = {"p", "br", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment: tags stripped, entities unescaped, whitespace normalised."""
    extractor = _TextExtractor()
    extractor.feed(value or "")
    extractor.close()
    return normalize_text("".join(extractor.parts))
