"""Spreadsheet cells that stay data: no text a contestant or an organiser typed ever runs as a formula.

Every CSV and .xlsx file the platform writes goes through these (OWASP "CSV injection"):
- CSV: a text starting with = + - @ TAB or CR gets a leading apostrophe, so Excel and LibreOffice show it as
  text; the question import drops that apostrophe again, so a bank round-trips unchanged.
- xlsx: every text cell is stored with data type "s" (a string), so openpyxl never writes it as a formula.
Only texts are touched: numbers (negative ones too) and dates keep their types.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable

# Leading apostrophes are counted too, so a text that already starts with "'=" keeps its own apostrophe on import.
FORMULA_LIKE = re.compile(r"^'*[=+\-@\t\r]")


def csv_text(value: str) -> str:
    """A text as a CSV cell: prefixed with "'" when a spreadsheet would run it as a formula."""
    return "'" + value if FORMULA_LIKE.match(value) else value


def csv_cell(value):
    """Any CSV value: texts neutralised by `csv_text`, numbers and everything else unchanged."""
    return csv_text(value) if isinstance(value, str) else value


def csv_row(values: Iterable) -> list:
    return [csv_cell(v) for v in values]


def xlsx_text(sheet, value: str):
    """A text for a write-only (streamed) sheet, which `keep_text` cannot revisit: the text itself when openpyxl
    stores it as a string anyway, else a cell forced to be one (openpyxl makes "=…" a formula)."""
    if not value.startswith("="):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def keep_text(workbook) -> None:
    """Store every text cell of every sheet as a string, never a formula (openpyxl makes "=…" a formula).

    A write-only workbook's rows are already written: its texts go in through `xlsx_text` instead."""
    if workbook.write_only:
        return
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"


def save_xlsx(workbook) -> bytes:
    """The workbook's bytes, after `keep_text`: the one way the platform saves an .xlsx file."""
    keep_text(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
