"""Lists of contestants an organiser imports (xlsx or CSV, Vietnamese headers), read and checked row by row.

Reading reuses the spreadsheet safety checks of the question import (zip bombs, formulas, hidden sheets).
Each row goes through the same identity checks as registration (domain.identity.check_identity); what
needs the database (commune and unit codes, accounts that already exist) is left to the service.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from quizapp.domain import identity
from quizapp.domain.formats import sheets
from quizapp.domain.text import fold_accents

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
MAX_ROWS = 10_000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")
OFFICIAL_WORDS = ("can bo", "cong chuc", "vien chuc", "nguoi lao dong", "cbccvc", "cb, cc, vc", "official")
CITIZEN_WORDS = ("nguoi dan", "nhan dan", "dan", "citizen", "cong dan")


RosterRow = sheets.SheetRow
RosterFile = sheets.SheetFile


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

LAYOUT = sheets.Layout(HEADERS, REQUIRED, _ALIASES, what="người dự thi", max_rows=MAX_ROWS)


def parse(data: bytes, filename: str) -> RosterFile:
    """Read an .xlsx or .csv list of contestants; a Vietnamese file_error when the file itself is unusable.

    The template's example row is recognised and left out.
    """
    parsed = sheets.parse(data, filename, LAYOUT, _cell)
    parsed.rows = [r for r in parsed.rows if r.values != EXAMPLE]
    if not parsed.file_error and not parsed.rows:
        parsed.file_error = "Tệp chỉ có hàng tiêu đề (và hàng ví dụ của tệp mẫu), chưa có người dự thi nào."
    return parsed


def _cell(value, key: str) -> str:
    """A cell as text. Numbers in the CCCD and phone columns get back the leading zeros Excel dropped."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        digits = str(int(value))
        if key == "cccd" and 9 <= len(digits) <= 11:
            return digits.zfill(12)  # every CCCD starts with 0 (province codes 001–096)
        if key == "phone" and len(digits) == 9:
            return "0" + digits
    return sheets.text(value)


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


EXAMPLE_ROW = ["Nguyễn Văn An", "17/05/1990", "Nam", "001090012345", "0912345678", "an.nv@example.com",
               "00001", "SNV", "Cán bộ, công chức, viên chức"]
EXAMPLE = dict(zip(HEADERS, EXAMPLE_ROW))


def template_xlsx() -> bytes:
    """An import template: the headers, one example row, CCCD and phone columns formatted as text."""
    return sheets.template(LAYOUT, EXAMPLE_ROW, GUIDE_LINES, "Người dự thi", text_columns=(4, 5), wide=(1, 9))


GUIDE_LINES = [
    "Mỗi hàng là một người dự thi. Các cột bắt buộc: Họ và tên, Ngày sinh, Giới tính, Số CCCD, Số điện thoại, Mã xã/phường.",
    "Ngày sinh ghi dạng ngày/tháng/năm (17/05/1990). Giới tính: Nam hoặc Nữ.",
    "Số CCCD gồm 12 chữ số; số điện thoại di động 10 chữ số (có thể ghi +84 hoặc có dấu cách, dấu chấm).",
    "Hãy để cột Số CCCD và Số điện thoại ở dạng Văn bản (Text) để Excel không bỏ số 0 ở đầu.",
    "Mã xã/phường: mã chính thức 5 chữ số; Mã đơn vị: mã trong danh sách đơn vị của cuộc thi.",
    "Đối tượng: «Cán bộ, công chức, viên chức» hoặc «Người dân» (để trống: ai có Mã đơn vị là cán bộ).",
    "Tệp chỉ được nhập khi mọi hàng đều hợp lệ; nếu có lỗi, không hàng nào được ghi.",
    "Hàng ví dụ (Nguyễn Văn An) có thể để nguyên: khi nhập, hàng này được nhận ra và bỏ qua.",
]
