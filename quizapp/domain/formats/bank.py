"""The bundled question bank's text format (see question_bank/README.md): one topic per file.

Stricter than other imports: exactly four options A.–D., and ID, DIFFICULTY, EXPLANATION, SOURCE and
EVIDENCE are required, keys in the README's order; SEED is optional.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from quizapp.domain.errors import DomainError
from quizapp.domain.formats import add_draft, decode_text, option_label, split_lines
from quizapp.domain.questions import ImportIssue, ParseResult, QuestionDraft
from quizapp.domain.text import fold_accents, normalize_text

KEY_ORDER = ("ID", "Q", "A.", "B.", "C.", "D.", "ANSWER", "DIFFICULTY", "STYLE", "EXPLANATION", "SOURCE", "BASIS",
             "EVIDENCE", "SEED", "CHECKED")
HEADER_KEYS = ("COLLECTION", "TOPIC", "TITLE")
STYLES = ("recall", "practical")
REQUIRED_KEYS = ("ID", "Q", "ANSWER", "DIFFICULTY", "EXPLANATION", "SOURCE", "EVIDENCE")
OPTION_LETTERS = "ABCD"
OPTION_KEYS = tuple(f"{letter}." for letter in OPTION_LETTERS)

_KEY_LINE = re.compile(
    r"^(COLLECTION|TOPIC|TITLE|ID|Q|ANSWER|DIFFICULTY|STYLE|EXPLANATION|SOURCE|BASIS|EVIDENCE|SEED|CHECKED):\s*(.*)$")
_OPTION_LINE = re.compile(r"^([A-Z])\.\s*(.*)$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SEED = re.compile(r"^(\d{3}|[A-Z0-9]+(-[A-Z0-9]+)+)$")  # a local plan (000-004) or a document code
DOCUMENT_CODE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Options may not point at other options: they are shuffled per attempt.
_CROSS_REFERENCE = re.compile(
    r"\bca [a-f] (va|lan) [a-f]\b"
    r"|\b(tat ca|ca hai|ca ba|ca bon)( cac)? (dap an|phuong an|y) (tren|neu tren|deu dung|deu sai)\b"
    r"|\b(dap an|phuong an) (tren|neu tren)\b"
    r"|\bkhong (co )?(dap an|phuong an|y) nao\b")


@dataclass
class BankFile:
    """A parsed bank file: the topic slug and title from its header, and the questions."""

    slug: str
    title: str
    result: ParseResult
    collection: str = ""  # the COLLECTION header (required in the bundled bank, optional in imports)


@dataclass
class _Block:
    """One question block: (key, line, value) entries in file order."""

    line: int
    entries: list[tuple[str, int, str]] = field(default_factory=list)


def parse_bank(data: bytes | str, filename: str = "") -> BankFile:
    """Read a bank file; `filename`, when given, must be `<slug>.txt`."""
    text, error = decode_text(data) if isinstance(data, bytes) else (data, "")
    if error:
        return BankFile("", "", ParseResult(file_error=error))
    blocks, result = _blocks(split_lines(text)), ParseResult()
    header = blocks.pop(0) if blocks and blocks[0].entries[0][0] in HEADER_KEYS else _Block(1)
    collection, slug, title, result.file_error = _read_header(header, filename)
    if result.file_error:
        return BankFile(slug, title, result, collection)
    seen_ids: set[str] = set()
    for block in blocks:
        _read_block(result, block, slug, seen_ids)
    return BankFile(slug, title, result, collection)


def _blocks(lines: list[str]) -> list[_Block]:
    """Group non-comment lines into blank-line separated blocks of (key, line, value)."""
    blocks, current = [], None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            current = None
            continue
        if current is None:
            current = _Block(number)
            blocks.append(current)
        current.entries.append(_split_line(line, number))
    return blocks


def _split_line(line: str, number: int) -> tuple[str, int, str]:
    match = _KEY_LINE.match(line)
    if match:
        return match.group(1), number, normalize_text(match.group(2))
    match = _OPTION_LINE.match(line)
    if match:
        return f"{match.group(1)}.", number, normalize_text(match.group(2))
    return "", number, line


def _read_header(header: _Block, filename: str) -> tuple[str, str, str, str]:
    """Returns (collection, slug, title, Vietnamese file error or "")."""
    values = {key: value for key, _, value in header.entries}
    collection, slug, title = values.get("COLLECTION", ""), values.get("TOPIC", ""), values.get("TITLE", "")
    if set(values) - set(HEADER_KEYS) or not slug or not title:
        return collection, slug, title, (
            "Phần đầu tệp phải gồm các dòng «COLLECTION: <bộ câu hỏi>» (có thể bỏ), «TOPIC: <slug>» và "
            "«TITLE: <tên chủ đề>», cách câu hỏi đầu tiên một dòng trống.")
    for key, value in (("COLLECTION", collection), ("TOPIC", slug)):
        if value and not _SLUG.match(value):
            return collection, slug, title, (
                f"{key} «{value}» không hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch nối.")
    if filename and filename.rsplit("/", 1)[-1] != f"{slug}.txt":
        return collection, slug, title, f"Tên tệp «{filename}» phải là «{slug}.txt» (theo TOPIC)."
    return collection, slug, title, ""


def _read_block(result: ParseResult, block: _Block, slug: str, seen_ids: set[str]) -> None:
    """Check one question block against the bank rules, then add it (or its issues)."""
    values = {key: (line, value) for key, line, value in block.entries}
    issues = _structure_issues(block, values) or _value_issues(values, slug, seen_ids)
    if issues:
        result.issues.extend(issues)
        return
    add_draft(result, _draft(values, slug, block.line))


def _structure_issues(block: _Block, values: dict) -> list[ImportIssue]:
    """Unknown lines, repeated or missing keys, wrong option letters, keys out of order."""
    issues = [ImportIssue(f"dòng {line}", "", f"Dòng không đúng định dạng «KHÓA: giá trị»: «{value[:60]}».")
              for key, line, value in block.entries if not key]
    keys = [key for key, _, _ in block.entries if key]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        issues.append(ImportIssue(f"dòng {block.line}", key, f"Khóa {_label(key)} xuất hiện nhiều lần."))
    for key in sorted(set(keys) - set(KEY_ORDER)):
        issues.append(ImportIssue(f"dòng {values[key][0]}", key, f"Khóa {_label(key)} không hợp lệ ở đây."))
    for key in REQUIRED_KEYS + OPTION_KEYS:
        if not values.get(key, (0, ""))[1]:
            issues.append(ImportIssue(f"dòng {block.line}", key, f"Thiếu {_label(key)} (hoặc để trống)."))
    if not issues and keys != sorted(keys, key=KEY_ORDER.index):
        issues.append(ImportIssue(f"dòng {block.line}", "", "Các khóa không theo thứ tự: ID, Q, A.–D., ANSWER, "
                                                           "DIFFICULTY, STYLE, EXPLANATION, SOURCE, BASIS, EVIDENCE, "
                                                           "SEED, CHECKED."))
    return issues


def _label(key: str) -> str:
    return f"phương án {key}" if key.endswith(".") else key


def _value_issues(values: dict, slug: str, seen_ids: set[str]) -> list[ImportIssue]:
    """ID pattern and uniqueness, ANSWER letter, DIFFICULTY, SEED, options referring to each other."""
    issues = []

    def check(key: str, ok: bool, message: str) -> None:
        if not ok:
            issues.append(ImportIssue(f"dòng {values[key][0]}", key, message))

    qid = values["ID"][1]
    check("ID", re.fullmatch(rf"{re.escape(slug)}-\d{{3,}}", qid) is not None, f"ID phải có dạng «{slug}-NNN».")
    check("ID", qid not in seen_ids, f"ID «{qid}» bị trùng với một câu hỏi khác trong tệp.")
    seen_ids.add(qid)
    check("ANSWER", values["ANSWER"][1] in tuple(OPTION_LETTERS), "ANSWER phải là một chữ cái A, B, C hoặc D.")
    check("DIFFICULTY", values["DIFFICULTY"][1] in ("1", "2", "3"), "DIFFICULTY phải là 1, 2 hoặc 3.")
    if "SEED" in values:
        check("SEED", _SEED.match(values["SEED"][1]) is not None,
              "SEED phải là số tài liệu gồm 3 chữ số (ví dụ 002) hoặc mã văn bản (ví dụ ND-118-2025).")
    if "STYLE" in values:
        check("STYLE", values["STYLE"][1] in STYLES, "STYLE phải là «recall» hoặc «practical».")
    if "BASIS" in values:
        codes = _codes(values["BASIS"][1])
        check("BASIS", bool(codes) and all(DOCUMENT_CODE.match(c) for c in codes),
              "BASIS phải là các mã văn bản (ví dụ LUAT-80-2025), cách nhau bằng dấu chấm phẩy.")
    if "CHECKED" in values:
        check("CHECKED", _DATE.match(values["CHECKED"][1]) is not None, "CHECKED phải là ngày dạng YYYY-MM-DD.")
    for key in OPTION_KEYS:
        check(key, not _CROSS_REFERENCE.search(fold_accents(values[key][1])),
              f"Phương án {key[0]} nhắc tới phương án khác; các phương án được xáo trộn nên không được làm vậy.")
    return issues


def _draft(values: dict, slug: str, line: int) -> QuestionDraft:
    def get(key: str) -> str:
        return values.get(key, (0, ""))[1]

    return QuestionDraft(
        text=get("Q"), options=[get(key) for key in OPTION_KEYS],
        correct_index=OPTION_LETTERS.index(get("ANSWER")), topic=slug, difficulty=int(get("DIFFICULTY")),
        explanation=get("EXPLANATION"), source=get("SOURCE"), evidence=get("EVIDENCE"), seed=get("SEED"),
        external_id=get("ID"), location=f"dòng {line}", style=get("STYLE") or "recall",
        basis=tuple(_codes(get("BASIS"))), checked=get("CHECKED"))


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.split(";") if c.strip()]


# ---------------------------------------------------------------- export


def export(questions: list[QuestionDraft], slug: str = "", title: str = "", collection: str = "") -> bytes:
    """Write questions of one topic as a bank file; slug/title default to the questions' topic."""
    if len({q.topic for q in questions}) > 1:
        raise DomainError("Một tệp ngân hàng câu hỏi chỉ chứa một chủ đề; hãy chọn một chủ đề trước khi xuất.",
                          code="bank_export_mixed_topics")
    slug = slug or (questions[0].topic if questions else "")
    lines = ([f"COLLECTION: {collection}"] if collection else []) + [f"TOPIC: {slug}", f"TITLE: {title or slug}"]
    for question, qid in zip(questions, _question_ids(questions, slug)):
        lines += [""] + _question_lines(question, qid)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _question_ids(questions: list[QuestionDraft], slug: str) -> list[str]:
    """Each question's ID, inventing unused `<slug>-NNN` IDs for questions without one."""
    used = {q.external_id for q in questions if q.external_id}
    ids, counter = [], 0
    for question in questions:
        if not question.external_id:
            counter += 1
            while f"{slug}-{counter:03d}" in used:
                counter += 1
        ids.append(question.external_id or f"{slug}-{counter:03d}")
    return ids


def _question_lines(question: QuestionDraft, qid: str) -> list[str]:
    lines = [f"ID: {qid}", f"Q: {normalize_text(question.text)}"]
    lines += [f"{option_label(i)}. {normalize_text(o)}" for i, o in enumerate(question.options)]
    lines += [f"ANSWER: {option_label(question.correct_index)}", f"DIFFICULTY: {question.difficulty}"]
    if question.style and question.style != "recall":
        lines.append(f"STYLE: {question.style}")
    lines += [f"EXPLANATION: {normalize_text(question.explanation)}", f"SOURCE: {normalize_text(question.source)}"]
    if question.basis:
        lines.append("BASIS: " + "; ".join(question.basis))
    lines.append(f"EVIDENCE: {normalize_text(question.evidence)}")
    if question.seed:
        lines.append(f"SEED: {question.seed}")
    if question.checked:
        lines.append(f"CHECKED: {question.checked}")
    return lines
