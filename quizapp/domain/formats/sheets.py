"""Organisers' lists in xlsx or CSV with Vietnamese headers: read safely into rows of texts, by column key.

The spreadsheet safety checks are the question import's (zip bombs, formulas, hidden sheets, legacy encodings).
Used for the lists of contestants, of areas and of units.
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from quizapp.domain.formats import tabular
from quizapp.domain.formats.cells import save_xlsx
from quizapp.domain.text import fold_accents, normalize_text

MAX_ROWS = 10_000


@dataclass
class SheetRow:
    """One row as written in the file (texts by column key), with its spreadsheet row number."""

    row: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class SheetFile:
    rows: list[SheetRow] = field(default_factory=list)
    file_error: str = ""


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of list: key → header (template order), other header spellings, what is required."""

    headers: Mapping[str, str]
    required: Sequence[str]
    aliases: Mapping[str, str] = field(default_factory=dict)
    what: str = "dòng"  # "người dự thi", "địa bàn", "đơn vị": used in messages
    max_rows: int = MAX_ROWS

    def key_of(self, header: str) -> str | None:
        folded = fold_accents(header).rstrip(" *:")
        return {fold_accents(h): k for k, h in self.headers.items()}.get(folded) or self.aliases.get(folded)


def parse(data: bytes, filename: str, layout: Layout,
          cell: Callable[[object, str], str] | None = None) -> SheetFile:
    """Read an .xlsx or .csv list; a Vietnamese file_error when the file itself is unusable.

    `cell(value, key)` turns a raw cell into text (the default drops nothing but whitespace).
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data.startswith(b"PK") or data.startswith(tabular.OLE2_MAGIC):
        table, error = _xlsx_rows(data, layout)
    elif name.endswith((".csv", ".txt")) or not name:
        table, error = _csv_rows(data, layout)
    else:
        return SheetFile(file_error="Chỉ nhận tệp Excel (.xlsx) hoặc CSV (UTF-8).")
    return SheetFile(file_error=error) if error else _read(table, layout, cell or (lambda v, _k: text(v)))


def text(value) -> str:
    return tabular._cell_text(value) if not isinstance(value, str) else normalize_text(value)


def _too_many(count: int, layout: Layout) -> str:
    return (f"Tệp có quá nhiều hàng ({count}); mỗi lần nhập tối đa {layout.max_rows} {layout.what}. "
            "Hãy chia thành nhiều tệp.")


def _csv_rows(data: bytes, layout: Layout) -> tuple[list[tuple[int, list]], str]:
    decoded, error = tabular._decode_csv(data)
    if error:
        return [], error
    if not decoded.strip():
        return [], "Tệp rỗng, không có nội dung."
    records, error = tabular.read_csv_records(decoded, layout.max_rows, layout.what)
    if error:
        return [], error
    return [(n, [tabular._csv_cell(c) for c in cells]) for n, cells in enumerate(records, start=1)], ""


def _xlsx_rows(data: bytes, layout: Layout) -> tuple[list[tuple[int, list]], str]:
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
    if not error and sheet.max_row > layout.max_rows + 1:
        error = _too_many(sheet.max_row, layout)
    error = error or tabular._check_sheet(sheet)
    if error:
        return [], error.replace("câu hỏi", layout.what)
    last = tabular._last_column(sheet)
    return [(row[0].row, [c.value for c in row]) for row in sheet.iter_rows(max_col=last) if row], ""


def _read(table: list[tuple[int, list]], layout: Layout, cell: Callable[[object, str], str]) -> SheetFile:
    table = [(n, cells) for n, cells in table if any(text(c) for c in cells)]
    if not table:
        return SheetFile(file_error="Tệp không có dữ liệu.")
    columns, error = _header([text(c) for c in table[0][1]], layout)
    if error:
        return SheetFile(file_error=error)
    rows = []
    for number, cells in table[1:]:
        values = {key: cell(cells[i] if i < len(cells) else None, key) for key, i in columns.items()}
        if any(values.values()):
            rows.append(SheetRow(number, values))
    if not rows:
        return SheetFile(file_error=f"Tệp chỉ có hàng tiêu đề, chưa có {layout.what} nào.")
    return SheetFile(rows)


def _header(cells: list[str], layout: Layout) -> tuple[dict[str, int], str]:
    columns: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = layout.key_of(cell)
        if key in columns:
            return {}, f"Cột «{layout.headers[key]}» xuất hiện hai lần ở hàng tiêu đề."
        if key:
            columns[key] = i
    missing = [f"«{layout.headers[k]}»" for k in layout.required if k not in columns]
    if missing:
        return {}, (f"Hàng tiêu đề thiếu cột bắt buộc: {', '.join(missing)}. "
                    "Hãy dùng tệp mẫu để có đúng tên các cột.")
    return columns, ""


def template(layout: Layout, example: Sequence[str], guide: Sequence[str], title: str,
             text_columns: Sequence[int] = (), wide: Sequence[int] = ()) -> bytes:
    """An import template: the headers, one example row (marked, and skipped on import), a guide sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for column, (header, value) in enumerate(zip(layout.headers.values(), example), start=1):
        head = sheet.cell(row=1, column=column, value=header)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="DDEBF7")
        cell = sheet.cell(row=2, column=column, value=value)
        cell.number_format = "@"
        cell.data_type = "s"
        sheet.column_dimensions[head.column_letter].width = 28 if column in wide else 16
    for column in text_columns:  # text, so Excel keeps the leading zeros of new rows too
        for row in range(2, 1002):
            sheet.cell(row=row, column=column).number_format = "@"
    sheet_guide = workbook.create_sheet(tabular.GUIDE_SHEET)
    for i, line in enumerate(guide, start=1):
        sheet_guide.cell(row=i, column=1, value=line)
    sheet_guide.column_dimensions["A"].width = 120
    return save_xlsx(workbook)
