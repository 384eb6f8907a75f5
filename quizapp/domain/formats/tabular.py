"""Spreadsheet formats: CSV and Excel .xlsx with Vietnamese column headers, one question per row.

Excel files are checked before openpyxl reads them (type, password, zip bomb), then rejected when they
hold formulas, merged cells, hidden sheets or several sheets with data: each is a clear file_error.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from quizapp.domain.formats import add_draft, option_label
from quizapp.domain.formats.cells import FORMULA_LIKE as _FORMULA_LIKE
from quizapp.domain.formats.cells import csv_text, save_xlsx
from quizapp.domain.questions import ImportIssue, ParseResult, QuestionDraft
from quizapp.domain.text import fold_accents, normalize_text

# Column key → header, in the order of the template.
HEADERS = {
    "topic": "Chủ đề", "text": "Câu hỏi",
    "A": "Phương án A", "B": "Phương án B", "C": "Phương án C", "D": "Phương án D",
    "E": "Phương án E", "F": "Phương án F",
    "correct": "Đáp án đúng", "difficulty": "Mức độ", "explanation": "Giải thích", "source": "Nguồn",
}
TEMPLATE_KEYS = ("topic", "text", "A", "B", "C", "D", "correct", "difficulty", "explanation", "source")
REQUIRED_KEYS = ("text", "A", "B", "correct")
OPTION_KEYS = "ABCDEF"
DIFFICULTY_WORDS = {"de": 1, "trung binh": 2, "kho": 3}
GUIDE_SHEET = "Hướng dẫn"

MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
RATIO_MIN_BYTES = 1024 * 1024  # tiny members compress extremely well without being a threat
MAX_MEMBERS = 1000
MAX_ROWS = 10_000
MAX_COLUMNS = 40
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"

_ALIASES = {"dap an": "correct", "do kho": "difficulty", "noi dung cau hoi": "text", "nguon tham khao": "source"}
_HEADER_KEYS = {fold_accents(header): key for key, header in HEADERS.items()} | _ALIASES
_LETTER = re.compile(r"^([A-Fa-f])\s*[).]?$")
# A CSV cell starting with = + - @ is run as a formula by spreadsheets: export adds a "'" (cells.csv_text),
# import drops it.
_WIDTHS = {"topic": 24, "text": 60, "correct": 12, "difficulty": 12, "explanation": 45, "source": 35}


@dataclass
class _Columns:
    """Column index (0-based) of each recognised header."""

    index: dict[str, int]

    def value(self, row: list[str], key: str) -> str:
        i = self.index.get(key)
        return row[i] if i is not None and i < len(row) else ""


# ---------------------------------------------------------------- shared row reading


def _read_rows(rows: list[tuple[int, list[str]]]) -> ParseResult:
    """Rows are (spreadsheet row number, cell texts); the first non-empty row is the header."""
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        return ParseResult(file_error="Tệp không có dữ liệu.")
    columns, error = _header(rows[0][1])
    if error:
        return ParseResult(file_error=error)
    result = ParseResult()
    for number, cells in rows[1:]:
        _read_row(result, columns, number, cells)
    return result


def _header(cells: list[str]) -> tuple[_Columns, str]:
    """Map header cells to column keys; returns an error naming missing or repeated columns."""
    index: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = _HEADER_KEYS.get(fold_accents(cell).rstrip(" *:"))
        if key in index:
            return _Columns({}), f"Cột «{HEADERS[key]}» xuất hiện hai lần ở hàng tiêu đề."
        if key:
            index[key] = i
    missing = [f"«{HEADERS[k]}»" for k in REQUIRED_KEYS if k not in index]
    if missing:
        return _Columns({}), (f"Hàng tiêu đề thiếu cột bắt buộc: {', '.join(missing)}. "
                              "Hãy dùng tệp mẫu để có đúng tên các cột.")
    return _Columns(index), ""


def _read_row(result: ParseResult, columns: _Columns, number: int, cells: list[str]) -> None:
    where = f"hàng {number}"
    if not any(columns.value(cells, key) for key in columns.index):
        return
    options = [columns.value(cells, key) for key in OPTION_KEYS]
    while options and not options[-1]:
        options.pop()
    correct, issue = _correct_index(columns.value(cells, "correct"), options, where)
    difficulty, difficulty_issue = _difficulty(columns.value(cells, "difficulty"), where)
    issues = [i for i in (issue, difficulty_issue) if i]
    if issues:
        result.issues.extend(issues)
        return
    add_draft(result, QuestionDraft(
        text=columns.value(cells, "text"), options=options, correct_index=correct,
        topic=columns.value(cells, "topic"), difficulty=difficulty,
        explanation=columns.value(cells, "explanation"), source=columns.value(cells, "source"), location=where))


def _correct_index(value: str, options: list[str], where: str) -> tuple[int, ImportIssue | None]:
    """The correct answer given as a letter A–F ("b", "B)" and "B." too)."""
    match = _LETTER.match(value)
    if not match:
        shown = f"«{value}»" if value else "trống"
        message = f"Đáp án đúng {shown} không hợp lệ; hãy ghi một chữ cái từ A đến F."
        return -1, ImportIssue(where, HEADERS["correct"], message)
    index = ord(match.group(1).upper()) - ord("A")
    if index >= len(options) or not options[index]:
        letter = option_label(index)
        return -1, ImportIssue(where, HEADERS["correct"], f"Đáp án đúng là {letter} nhưng phương án {letter} trống.")
    return index, None


def _difficulty(value: str, where: str) -> tuple[int, ImportIssue | None]:
    """Difficulty as 1/2/3 or Dễ/Trung bình/Khó; 2 when empty."""
    if not value:
        return 2, None
    folded = fold_accents(value)
    if folded in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[folded], None
    if re.fullmatch(r"[123](\.0+)?", folded):
        return int(folded[0]), None
    return 2, ImportIssue(where, HEADERS["difficulty"],
                          f"Mức độ «{value}» không hợp lệ; hãy ghi 1, 2, 3 hoặc Dễ, Trung bình, Khó.")


# ---------------------------------------------------------------- CSV


def parse_csv(data: bytes) -> ParseResult:
    """Read a CSV file (UTF-8 with or without BOM; delimiter , ; or tab)."""
    text, error = _decode_csv(data)
    if error:
        return ParseResult(file_error=error)
    if not text.strip():
        return ParseResult(file_error="Tệp rỗng, không có nội dung.")
    records, error = read_csv_records(text, MAX_ROWS, "câu hỏi")
    if error:
        return ParseResult(file_error=error)
    return _read_rows([(n, [_csv_cell(c) for c in cells]) for n, cells in enumerate(records, start=1)])


def read_csv_records(text: str, max_rows: int, what: str) -> tuple[list[list[str]], str]:
    """The CSV records (header included), stopping with a Vietnamese error past `max_rows` data rows (the
    xlsx limit): checking 10,001 questions would outlast the worker's timeout. Blank lines do not count."""
    records: list[list[str]] = []
    filled = 0
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text)):
            records.append(cells)
            if any(c.strip() for c in cells):
                filled += 1
                if filled > max_rows + 1:
                    return [], (f"Tệp có quá nhiều hàng (hơn {max_rows:,}); mỗi lần nhập tối đa {max_rows:,} "
                                f"{what}. Hãy chia thành nhiều tệp.").replace(",", ".")
    except csv.Error as exc:
        return [], f"Tệp CSV sai cấu trúc, không đọc được ({exc})."
    return records, ""


def _decode_csv(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM optional), or UTF-16 with its BOM as Excel's "Unicode Text" writes it."""
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return data.decode(encoding), ""
    except UnicodeDecodeError:
        return "", ("Tệp CSV không ở mã UTF-8 (có thể là Windows-1258 hoặc TCVN3), nên chữ tiếng Việt sẽ bị lỗi; "
                    "hãy lưu lại với UTF-8 (trong Excel: Lưu thành → «CSV UTF-8») rồi tải lên lại.")


def _sniff_delimiter(text: str) -> str:
    """The most frequent of , ; and tab in the first non-empty line, outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first)
    return max((",", ";", "\t"), key=unquoted.count)


def _csv_cell(value: str) -> str:
    if value.startswith("'") and _FORMULA_LIKE.match(value[1:]):
        value = value[1:]
    return normalize_text(value)


def export_csv(questions: list[QuestionDraft]) -> bytes:
    """Write questions as CSV (UTF-8 with BOM so Excel shows Vietnamese), same columns as the template."""
    keys = _export_keys(questions)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([HEADERS[k] for k in keys])
    for question in questions:
        writer.writerow([csv_text(str(v)) for v in _row_values(question, keys)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---------------------------------------------------------------- xlsx reading


_CORRUPT = "Tệp Excel bị hỏng (không giải nén được). Hãy mở tệp trong Excel, lưu lại rồi tải lên lại."
_BOMB = ("Tệp Excel có dung lượng sau giải nén bất thường (có thể là tệp độc hại dạng «zip bomb»), "
         "không xử lý. Hãy kiểm tra lại tệp.")


def parse_xlsx(data: bytes) -> ParseResult:
    """Read the first visible sheet of an .xlsx file, after checking the file is safe and plain."""
    safe, error = _unpack(data)
    if error:
        return ParseResult(file_error=error)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(safe), data_only=False)
    except Exception:  # openpyxl raises many types on damaged files; all mean the same to the user
        return ParseResult(file_error="Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx, không đọc được. "
                                      "Hãy mở tệp trong Excel, lưu lại rồi tải lên lại.")
    sheet, error = _data_sheet(workbook)
    error = error or _check_sheet(sheet)
    if error:
        return ParseResult(file_error=error)
    return _read_rows(_sheet_rows(sheet))


def _unpack(data: bytes) -> tuple[bytes, str]:
    """Check the container, then inflate it under a size cap into a fresh zip with truthful headers.

    openpyxl then never inflates anything itself, so a member whose declared size lies cannot blow up.
    Returns (the re-packed .xlsx, "") or (b"", Vietnamese error).
    """
    error = _check_signature(data)
    if error:
        return b"", error
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        error = _check_members(archive.infolist())
        return (b"", error) if error else _repack(archive)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        return b"", _CORRUPT


def _check_signature(data: bytes) -> str:
    if not data:
        return "Tệp rỗng, không có nội dung."
    if data.startswith(OLE2_MAGIC):
        return ("Tệp Excel được đặt mật khẩu (hoặc là định dạng .xls cũ) nên không đọc được. "
                "Hãy gỡ mật khẩu và lưu lại dưới dạng «Excel Workbook (.xlsx)».")
    if not data.startswith(b"PK"):
        return "Tệp không phải bảng tính Excel .xlsx (sai loại tệp). Hãy lưu lại dưới dạng «Excel Workbook (.xlsx)»."
    return ""


def _check_members(members: list[zipfile.ZipInfo]) -> str:
    """Declared sizes and ratios, member count, encryption, and the workbook part being there."""
    total = sum(m.file_size for m in members)
    too_dense = any(m.file_size > RATIO_MIN_BYTES and m.file_size > MAX_RATIO * max(m.compress_size, 1)
                    for m in members)
    if len(members) > MAX_MEMBERS or total > MAX_UNZIPPED_BYTES or too_dense:
        return _BOMB
    if any(m.flag_bits & 0x1 for m in members):
        return "Tệp Excel được đặt mật khẩu nên không đọc được. Hãy gỡ mật khẩu rồi lưu lại."
    if "xl/workbook.xml" not in {m.filename for m in members}:
        return "Tệp nén này không phải bảng tính Excel .xlsx (sai loại tệp)."
    return ""


def _repack(archive: zipfile.ZipFile) -> tuple[bytes, str]:
    """Inflate every member in bounded chunks (CRC checked by zipfile) and store them uncompressed."""
    out, total = io.BytesIO(), 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in archive.infolist():
            chunks = []
            with archive.open(info) as member:
                while chunk := member.read(64 * 1024):
                    total += len(chunk)
                    if total > MAX_UNZIPPED_BYTES:
                        return b"", _BOMB
                    chunks.append(chunk)
            copy.writestr(info.filename, b"".join(chunks))
    return out.getvalue(), ""


def _data_sheet(workbook) -> tuple[object | None, str]:
    """The first visible sheet with data; hidden sheets and several data sheets are errors."""
    sheets = workbook.worksheets + workbook.chartsheets
    hidden = [s.title for s in sheets if s.sheet_state != "visible"]
    if hidden:
        names = ", ".join(f"«{name}»" for name in hidden)
        return None, f"Tệp có trang tính ẩn ({names}). Hãy hiện (Unhide) hoặc xoá trang tính đó rồi tải lên lại."
    with_data = [s for s in workbook.worksheets if not _is_guide(s) and _has_data(s)]
    if len(with_data) > 1:
        names = ", ".join(f"«{s.title}»" for s in with_data)
        return None, f"Tệp có nhiều trang tính chứa dữ liệu ({names}). Hãy để tất cả câu hỏi trong một trang tính."
    if not with_data:
        return None, "Tệp không có dữ liệu."
    return with_data[0], ""


def _is_guide(sheet) -> bool:
    return fold_accents(sheet.title) == fold_accents(GUIDE_SHEET)


def _has_data(sheet) -> bool:
    cells = sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=_last_column(sheet), values_only=True)
    return any(value not in (None, "") for row in cells for value in row)


def _check_sheet(sheet) -> str:
    """Formulas, merged cells and oversized sheets are errors."""
    if sheet.max_row > MAX_ROWS + 1:
        return f"Bảng tính có quá nhiều hàng ({sheet.max_row}); mỗi lần nhập tối đa {MAX_ROWS} câu hỏi."
    merged = [str(r) for r in sheet.merged_cells.ranges]
    if merged:
        return f"Bảng tính có ô gộp (merge) tại {', '.join(merged[:5])}. Hãy bỏ gộp ô rồi tải lên lại."
    formulas = [c.coordinate for row in sheet.iter_rows(max_col=_last_column(sheet))
                for c in row if c.data_type == "f"]
    if formulas:
        more = f" (và {len(formulas) - 1} ô khác: {', '.join(formulas[1:6])})" if len(formulas) > 1 else ""
        return (f"Không nhận tệp có công thức: ô {formulas[0]} chứa công thức{more}. "
                "Hãy chuyển công thức thành giá trị (Sao chép → Dán giá trị) rồi tải lên lại.")
    return ""


def _sheet_rows(sheet) -> list[tuple[int, list[str]]]:
    rows = sheet.iter_rows(max_col=_last_column(sheet))
    return [(row[0].row, [_cell_text(c.value) for c in row]) for row in rows if row]


def _last_column(sheet) -> int:
    """Columns read: those in use, at most MAX_COLUMNS (iter_rows would create cells up to its max_col)."""
    return min(sheet.max_column, MAX_COLUMNS)


def _cell_text(value) -> str:
    """Spreadsheet value as text: whole numbers without ".0", dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.strftime("%d/%m/%Y" if value.time() == time() else "%d/%m/%Y %H:%M")
    elif isinstance(value, date):
        value = value.strftime("%d/%m/%Y")
    elif isinstance(value, time):
        value = value.strftime("%H:%M")
    return normalize_text(str(value))


# ---------------------------------------------------------------- xlsx writing


TEMPLATE_EXAMPLE = QuestionDraft(
    text="(Câu ví dụ) Theo Nghị quyết 76/NQ-CP, Chương trình tổng thể cải cách hành chính nhà nước áp dụng "
         "cho giai đoạn nào?",
    options=["2016–2020", "2021–2030", "2021–2025", "2025–2035"], correct_index=1,
    topic="Cải cách thể chế", difficulty=1,
    explanation="Nghị quyết 76/NQ-CP ban hành Chương trình tổng thể cải cách hành chính nhà nước "
                "giai đoạn 2021–2030.",
    source="Nghị quyết 76/NQ-CP ngày 15/7/2021 của Chính phủ")


def is_template_example(draft: QuestionDraft) -> bool:
    """The template's example row, left in the file: recognised and not imported."""
    return normalize_text(draft.text) == TEMPLATE_EXAMPLE.text


def template_xlsx() -> bytes:
    """An import template: the headers, one example row, column widths and a "Hướng dẫn" sheet."""
    return export_xlsx([TEMPLATE_EXAMPLE])


def export_xlsx(questions: list[QuestionDraft]) -> bytes:
    """Write questions in the template's layout (first sheet "Câu hỏi", then "Hướng dẫn")."""
    keys = _export_keys(questions)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Câu hỏi"
    _write_header(sheet, keys)
    for number, question in enumerate(questions, start=2):
        for column, value in enumerate(_row_values(question, keys), start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    _add_validation(sheet, keys)
    _write_guide(workbook.create_sheet(GUIDE_SHEET))
    return save_xlsx(workbook)


def _export_keys(questions: list[QuestionDraft]) -> list[str]:
    """Template columns, plus "Phương án E"/"F" when some question needs them."""
    most = max((len(q.options) for q in questions), default=4)
    extra = [k for k in "EF"[: max(0, most - 4)]]
    at = TEMPLATE_KEYS.index("D") + 1
    return list(TEMPLATE_KEYS[:at]) + extra + list(TEMPLATE_KEYS[at:])


def _row_values(question: QuestionDraft, keys: list[str]) -> list:
    values = {"topic": question.topic, "text": question.text, "correct": option_label(question.correct_index),
              "difficulty": question.difficulty, "explanation": question.explanation, "source": question.source}
    values |= {option_label(i): option for i, option in enumerate(question.options)}
    return [normalize_text(v) if isinstance(v, str) else v for v in (values.get(k, "") for k in keys)]


def _write_header(sheet, keys: list[str]) -> None:
    fill = PatternFill("solid", fgColor="DDEBF7")
    for column, key in enumerate(keys, start=1):
        cell = sheet.cell(row=1, column=column, value=HEADERS[key])
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(column)].width = _WIDTHS.get(key, 28)
    sheet.freeze_panes = "A2"


def _add_validation(sheet, keys: list[str]) -> None:
    """Drop-down lists for the answer letter and the difficulty."""
    letters = ",".join(OPTION_KEYS[: sum(1 for k in keys if len(k) == 1)])
    for key, choices in (("correct", letters), ("difficulty", "1,2,3,Dễ,Trung bình,Khó")):
        column = get_column_letter(keys.index(key) + 1)
        validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        validation.add(f"{column}2:{column}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)


_GUIDE_ROWS = (
    ("Chủ đề", "Không", "Tên chủ đề của câu hỏi, ví dụ «Cải cách thể chế». Có thể để trống nếu chọn chủ đề khi nhập."),
    ("Câu hỏi", "Có", "Nội dung câu hỏi, viết trên một ô, tối đa 2000 ký tự."),
    ("Phương án A, Phương án B", "Có", "Nội dung các phương án trả lời."),
    ("Phương án C, Phương án D", "Không", "Thêm phương án nếu cần. Mỗi câu hỏi có từ 2 đến 6 phương án, "
                                         "không để trống xen giữa, không trùng nhau."),
    ("Phương án E, Phương án F", "Không", "Có thể thêm hai cột này (đặt đúng tên) cho câu hỏi có 5–6 phương án."),
    ("Đáp án đúng", "Có", "Một chữ cái A–F ứng với phương án đúng, ví dụ B. Mỗi câu hỏi có đúng một đáp án đúng."),
    ("Mức độ", "Không", "1 (Dễ), 2 (Trung bình) hoặc 3 (Khó); có thể ghi bằng chữ. Để trống sẽ lấy mức 2."),
    ("Giải thích", "Không", "Giải thích ngắn về đáp án, hiển thị sau khi trả lời ở vòng luyện tập."),
    ("Nguồn", "Không", "Văn bản làm căn cứ: số hiệu, ngày ban hành, điều/khoản, "
                       "ví dụ «Nghị quyết 76/NQ-CP ngày 15/7/2021»."),
)
_GUIDE_NOTES = (
    "Lưu ý khi nhập tệp:",
    "• Hàng đầu tiên của trang «Câu hỏi» là tiêu đề cột; mỗi hàng tiếp theo là một câu hỏi. "
    "Hàng «(Câu ví dụ)» được nhận ra và bỏ qua khi nhập: có thể xoá hoặc để nguyên.",
    "• Chủ đề chưa có sẽ được báo trước khi nhập; bạn xác nhận thì hệ thống mới tạo chủ đề mới.",
    "• Không dùng công thức, không gộp ô, không ẩn trang tính; chỉ để câu hỏi trong một trang tính.",
    "• Không đặt mật khẩu cho tệp. Lưu tệp dưới dạng Excel Workbook (.xlsx) hoặc CSV UTF-8.",
)


def _write_guide(sheet) -> None:
    sheet.append(["Cột", "Bắt buộc", "Hướng dẫn"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _GUIDE_ROWS:
        sheet.append(list(row))
    sheet.append([])
    for note in _GUIDE_NOTES:
        sheet.append([note])
    for column, width in zip("ABC", (28, 12, 100)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2, max_row=len(_GUIDE_ROWS) + 1, max_col=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
