"""Lists of contestants an organiser imports (xlsx or CSV, Vietnamese headers), read and checked row by row.

Reading reuses the spreadsheet safety checks of the question import (zip bombs, formulas, hidden sheets).
Each row goes through the same identity checks as registration (domain.identity.check_identity); what
needs the database (commune and unit codes, accounts that already exist) is left to the service.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from quizapp.domain import identity
from quizapp.domain.formats import tabular
from quizapp.domain.text import fold_accents, normalize_text

# Column key -> header, in the order of the template.
HEADERS = {
    "full_name": "Họ và tên", "birth_date": "Ngày sinh", "gender": "Giới tính", "cccd": "Số CCCD",
    "phone": "Số điện thoại", "email": "Email", "area_code": "Mã xã/phường", "unit_code": "Mã đơn vị",
    "category": "Đối tượng",
}
REQUIRED = ("full_name", "birth_date", "gender", "cccd", "phone", "area_code")
_ALIASES = {
    "ho ten": "full_name", "ho va ten nguoi du thi": "full_name", "ngay thang nam sinh": "birth_date",
    "cccd": "cccd", "so can cuoc": "cccd", "so can cuoc cong dan": "cccd", "so dinh danh": "cccd",
    "so dinh danh ca nhan": "cccd", "so cccd/dinh danh": "cccd", "dien thoai": "phone", "sdt": "phone",
    "so dt": "phone", "so dien thoai di dong": "phone", "thu dien tu": "email", "e-mail": "email",
    "ma xa": "area_code", "ma phuong": "area_code", "ma xa, phuong": "area_code", "ma xa phuong": "area_code",
    "ma xa/phuong/dac khu": "area_code", "ma don vi cong tac": "unit_code", "doi tuong du thi": "category",
}
_HEADER_KEYS = {fold_accents(h): k for k, h in HEADERS.items()} | _ALIASES
MAX_ROWS = 10_000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")
OFFICIAL_WORDS = ("can bo", "cong chuc", "vien chuc", "nguoi lao dong", "cbccvc", "cb, cc, vc", "official")
CITIZEN_WORDS = ("nguoi dan", "nhan dan", "dan", "citizen", "cong dan")


@dataclass
class RosterRow:
    """One row as written in the file (texts), with its spreadsheet row number."""

    row: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class RosterFile:
    rows: list[RosterRow] = field(default_factory=list)
    file_error: str = ""


@dataclass
class CheckedRow:
    """A row whose identity passed every check; codes are still to be looked up."""

    row: int
    person: identity.Person
    email: str
    area_code: str
    unit_code: str
    category: str  # "official" or "citizen"


@dataclass(frozen=True)
class RowProblem:
    column: str  # the header it is about ("" for the whole row)
    message: str


# ---------------------------------------------------------------- reading


def parse(data: bytes, filename: str) -> RosterFile:
    """Read an .xlsx or .csv list of contestants; a Vietnamese file_error when the file itself is unusable."""
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data.startswith(b"PK") or data.startswith(tabular.OLE2_MAGIC):
        table, error = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")) or not name:
        table, error = _csv_rows(data)
    else:
        return RosterFile(file_error="Chỉ nhận tệp Excel (.xlsx) hoặc CSV (UTF-8).")
    return RosterFile(file_error=error) if error else _read(table)


def _csv_rows(data: bytes) -> tuple[list[tuple[int, list]], str]:
    text, error = tabular._decode_csv(data)
    if error:
        return [], error
    if not text.strip():
        return [], "Tệp rỗng, không có nội dung."
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=tabular._sniff_delimiter(text)))
    except csv.Error as exc:
        return [], f"Tệp CSV sai cấu trúc, không đọc được ({exc})."
    if len(records) > MAX_ROWS + 1:
        return [], _too_many(len(records))
    return [(n, [tabular._csv_cell(c) for c in cells]) for n, cells in enumerate(records, start=1)], ""


def _xlsx_rows(data: bytes) -> tuple[list[tuple[int, list]], str]:
    """Rows of raw cell values (numbers stay numbers: a CCCD typed as a number lost its leading zero)."""
    safe, error = tabular._unpack(data)
    if error:
        return [], error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(safe), data_only=False)
    except Exception:  # openpyxl raises many types on damaged files; all mean the same to the user
        return [], "Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx, không đọc được."
    sheet, error = tabular._data_sheet(workbook)
    if not error and sheet.max_row > MAX_ROWS + 1:
        error = _too_many(sheet.max_row)
    error = error or tabular._check_sheet(sheet)
    if error:
        return [], error.replace("câu hỏi", "người dự thi")
    last = tabular._last_column(sheet)
    return [(row[0].row, [c.value for c in row]) for row in sheet.iter_rows(max_col=last) if row], ""


def _too_many(count: int) -> str:
    return f"Tệp có quá nhiều hàng ({count}); mỗi lần nhập tối đa {MAX_ROWS} người. Hãy chia thành nhiều tệp."


def _read(table: list[tuple[int, list]]) -> RosterFile:
    table = [(n, cells) for n, cells in table if any(_text(c) for c in cells)]
    if not table:
        return RosterFile(file_error="Tệp không có dữ liệu.")
    columns, error = _header([_text(c) for c in table[0][1]])
    if error:
        return RosterFile(file_error=error)
    rows = []
    for number, cells in table[1:]:
        values = {key: _cell(cells[i] if i < len(cells) else None, key) for key, i in columns.items()}
        if any(values.values()):
            rows.append(RosterRow(number, values))
    if not rows:
        return RosterFile(file_error="Tệp chỉ có hàng tiêu đề, chưa có người dự thi nào.")
    return RosterFile(rows)


def _header(cells: list[str]) -> tuple[dict[str, int], str]:
    columns: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = _HEADER_KEYS.get(fold_accents(cell).rstrip(" *:"))
        if key in columns:
            return {}, f"Cột «{HEADERS[key]}» xuất hiện hai lần ở hàng tiêu đề."
        if key:
            columns[key] = i
    missing = [f"«{HEADERS[k]}»" for k in REQUIRED if k not in columns]
    if missing:
        return {}, (f"Hàng tiêu đề thiếu cột bắt buộc: {', '.join(missing)}. "
                    "Hãy dùng tệp mẫu để có đúng tên các cột.")
    return columns, ""


def _text(value) -> str:
    return tabular._cell_text(value) if not isinstance(value, str) else normalize_text(value)


def _cell(value, key: str) -> str:
    """A cell as text. Numbers in the CCCD and phone columns get back the leading zeros Excel dropped."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        digits = str(int(value))
        if key == "cccd" and 9 <= len(digits) <= 11:
            return digits.zfill(12)  # every CCCD starts with 0 (province codes 001–096)
        if key == "phone" and len(digits) == 9:
            return "0" + digits
    return _text(value)


# ---------------------------------------------------------------- checking


def check_row(row: RosterRow, today: date, min_age: int = 18) -> tuple[CheckedRow | None, list[RowProblem]]:
    """Every identity problem of one row (the same checks as registration), or the checked row."""
    problems = []
    born, error = parse_date(row.get("birth_date"))
    if error:
        problems.append(RowProblem(HEADERS["birth_date"], error))
    gender, error = parse_gender(row.get("gender"))
    if error:
        problems.append(RowProblem(HEADERS["gender"], error))
    person, identity_problems = identity.check_identity(row.get("full_name"), born, gender or "", row.get("cccd"),
                                                        row.get("phone"), today, min_age)
    for p in identity_problems:
        if (p.field == "birth_date" and born is None) or (p.field == "gender" and gender is None):
            continue  # already said above, in the file's own terms
        problems.append(RowProblem(HEADERS[p.field], p.message + _excel_hint(p.field, row)))
    email = row.get("email")
    if email and not EMAIL.match(email):
        problems.append(RowProblem(HEADERS["email"], f"Email «{email}» không hợp lệ."))
    if not row.get("area_code"):
        problems.append(RowProblem(HEADERS["area_code"], "Thiếu mã xã/phường."))
    category, error = parse_category(row.get("category"), bool(row.get("unit_code")))
    if error:
        problems.append(RowProblem(HEADERS["category"], error))
    if problems:
        return None, problems
    return CheckedRow(row.row, person, email, row.get("area_code"), row.get("unit_code"), category), []


def _excel_hint(field_name: str, row: RosterRow) -> str:
    digits = re.sub(r"\D", "", row.get(field_name))
    short = (field_name == "cccd" and 9 <= len(digits) <= 11) or (field_name == "phone" and len(digits) == 9)
    if short:
        return (f" Có thể Excel đã bỏ số 0 ở đầu: hãy định dạng cột «{HEADERS[field_name]}» là Văn bản (Text) "
                "rồi nhập lại số.")
    return ""


def parse_date(raw: str) -> tuple[date | None, str]:
    """A birth date written dd/mm/yyyy (also with - or ., or yyyy-mm-dd)."""
    value = (raw or "").strip().split(" ")[0]
    if not value:
        return None, "Thiếu ngày sinh."
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date(), ""
        except ValueError:
            continue
    return None, f"Ngày sinh «{raw}» không hợp lệ; hãy ghi theo dạng ngày/tháng/năm, ví dụ 17/05/1990."


def parse_gender(raw: str) -> tuple[str | None, str]:
    folded = fold_accents(raw or "")
    if folded in ("nam", "male", "m"):
        return "nam", ""
    if folded in ("nu", "female", "f"):
        return "nu", ""
    shown = f"«{raw}» " if raw else ""
    return None, f"Giới tính {shown}không hợp lệ; hãy ghi Nam hoặc Nữ."


def parse_category(raw: str, has_unit: bool) -> tuple[str | None, str]:
    """"official" or "citizen"; when empty, officials are those with a unit code."""
    folded = fold_accents(raw or "")
    if not folded:
        return ("official" if has_unit else "citizen"), ""
    if any(folded.startswith(w) for w in OFFICIAL_WORDS):
        return "official", ""
    if any(folded.startswith(w) for w in CITIZEN_WORDS):
        return "citizen", ""
    return None, f"Đối tượng «{raw}» không hợp lệ; hãy ghi «Cán bộ, công chức, viên chức» hoặc «Người dân»."


def repeated_in_file(rows: list[CheckedRow]) -> dict[int, list[RowProblem]]:
    """Rows whose CCCD or phone already appeared on an earlier row of the same file."""
    seen: dict[tuple[str, str], int] = {}
    found: dict[int, list[RowProblem]] = {}
    for r in rows:
        for key, value in (("cccd", r.person.cccd), ("phone", r.person.phone)):
            first = seen.setdefault((key, value), r.row)
            if first != r.row:
                found.setdefault(r.row, []).append(
                    RowProblem(HEADERS[key], f"{HEADERS[key]} trùng với hàng {first} trong tệp."))
    return found


# ---------------------------------------------------------------- template


def template_xlsx() -> bytes:
    """An import template: the headers, one example row, CCCD and phone columns formatted as text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Người dự thi"
    example = ["Nguyễn Văn An", "17/05/1990", "Nam", "001090012345", "0912345678", "an.nv@example.com",
               "00001", "SNV", "Cán bộ, công chức, viên chức"]
    for column, (header, value) in enumerate(zip(HEADERS.values(), example), start=1):
        head = sheet.cell(row=1, column=column, value=header)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="DDEBF7")
        cell = sheet.cell(row=2, column=column, value=value)
        cell.number_format = "@"
        cell.data_type = "s"
        sheet.column_dimensions[head.column_letter].width = 28 if column in (1, 9) else 16
    for column in (4, 5):  # text, so Excel keeps the leading zeros of new rows too
        for row in range(2, 1002):
            sheet.cell(row=row, column=column).number_format = "@"
    guide = workbook.create_sheet(tabular.GUIDE_SHEET)
    for i, line in enumerate(GUIDE_LINES, start=1):
        guide.cell(row=i, column=1, value=line)
    guide.column_dimensions["A"].width = 120
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GUIDE_LINES = [
    "Mỗi hàng là một người dự thi. Các cột bắt buộc: Họ và tên, Ngày sinh, Giới tính, Số CCCD, Số điện thoại, Mã xã/phường.",
    "Ngày sinh ghi dạng ngày/tháng/năm (17/05/1990). Giới tính: Nam hoặc Nữ.",
    "Số CCCD gồm 12 chữ số; số điện thoại di động 10 chữ số (có thể ghi +84 hoặc có dấu cách, dấu chấm).",
    "Hãy để cột Số CCCD và Số điện thoại ở dạng Văn bản (Text) để Excel không bỏ số 0 ở đầu.",
    "Mã xã/phường: mã chính thức 5 chữ số; Mã đơn vị: mã trong danh sách đơn vị của cuộc thi.",
    "Đối tượng: «Cán bộ, công chức, viên chức» hoặc «Người dân» (để trống: ai có Mã đơn vị là cán bộ).",
    "Tệp chỉ được nhập khi mọi hàng đều hợp lệ; nếu có lỗi, không hàng nào được ghi.",
]
