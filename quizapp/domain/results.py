"""Results exports: the organiser's and the public columns, Vietnamese headers, one canonical CSV serialisation.

The SHA-256 digest shown on the public results page is the digest of the public CSV's exact bytes
(UTF-8 with a byte-order mark so Excel reads Vietnamese, CRLF line ends, values formatted as below), so
anyone can check a downloaded file with `sha256sum` (or `certutil -hashfile FILE SHA256` on Windows).
A published CSV is frozen: changing the headers or formats here only changes the files published afterwards.

Winners' contact details (phone, CCCD, birth date, e-mail) ride on a row only when the service loaded them for
someone allowed to have them; they are written for prize winners only, and never into the public columns.
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .formats import cells
from .formats.cells import csv_text, save_xlsx
from .prizes import PRIZE_LABELS
from .review import FLAG_LABELS

ORGANIZER_COLUMNS = ("rank", "prize", "full_name", "track", "area_code", "area_name", "unit_name", "correct", "total",
                     "score", "prediction", "prediction_error", "duration", "submitted_at", "attempt_id", "flags")
# Added to the organiser's file for admins and the contest's organisers (filled for prize winners only).
CONTACT_COLUMNS = ("phone", "cccd", "birth_date", "email")
# Only the name and the unit (or, for citizens without one, the commune/ward) identify a contestant here.
PUBLIC_COLUMNS = ("rank", "prize", "full_name", "track", "unit_or_ward", "correct", "total", "score", "prediction",
                  "prediction_error", "duration", "submitted_at")

HEADERS = {
    "rank": "Hạng", "prize": "Giải", "full_name": "Họ và tên", "track": "Đối tượng/Bảng",
    "area_code": "Mã xã, phường", "area_name": "Xã, phường", "unit_name": "Đơn vị",
    "unit_or_ward": "Đơn vị hoặc xã, phường", "correct": "Số câu đúng", "total": "Số câu", "score": "Điểm",
    "prediction": "Dự đoán", "prediction_error": "Chênh lệch dự đoán", "duration": "Thời gian làm bài",
    "submitted_at": "Nộp bài lúc", "attempt_id": "Mã bài thi", "flags": "Cờ cần xem xét",
    "phone": "Số điện thoại", "cccd": "Số CCCD", "birth_date": "Ngày sinh", "email": "Email",
}
# Without any prize configured the public page and file show the first ten of each track.
TOP_WITHOUT_PRIZES = 10

DATETIME_TEXT, DATE_TEXT = "%d/%m/%Y %H:%M:%S", "%d/%m/%Y"
XLSX_DATETIME, XLSX_DATE, XLSX_SCORE = "dd/mm/yyyy hh:mm:ss", "dd/mm/yyyy", "0.00"
_INTEGERS = {"rank", "correct", "total", "prediction", "prediction_error", "attempt_id"}
# Numbers, dates and durations: written by the platform, never a formula, and a negative number stays a number.
_TYPED = _INTEGERS | {"score", "duration", "submitted_at", "birth_date"}
_CONTACTS = set(CONTACT_COLUMNS)


@dataclass(frozen=True, repr=False)
class Contact:
    """A prize winner's contact details (never printed: the repr hides them, so they stay out of logs)."""

    phone: str = ""
    cccd: str = ""
    birth_date: date | None = None
    email: str = ""

    def __repr__(self) -> str:
        return "Contact(…)"


@dataclass(frozen=True)
class ResultRow:
    """One ranked contestant as the results list shows them (plain values, frozen at computation)."""

    rank: int
    prize: str | None
    full_name: str
    track: str
    area_code: str
    area_name: str
    unit_name: str
    correct: int
    total: int
    score: float
    prediction: int | None
    prediction_error: int | None
    duration_ms: int
    submitted_at: datetime
    attempt_id: int
    flags: tuple[str, ...] = ()
    contact: Contact | None = field(default=None, repr=False, compare=False)

    @property
    def unit_or_ward(self) -> str:
        return self.unit_name or self.area_name


def public_selection(rows: list[ResultRow]) -> list[ResultRow]:
    """Who the public page and the public file list: the prize winners, or the first ten of each track."""
    winners = [r for r in rows if r.prize]
    return winners or [r for r in rows if r.rank <= TOP_WITHOUT_PRIZES]


def duration_text(ms: int) -> str:
    """Milliseconds as m:ss, or h:mm:ss from an hour (whole seconds, as the pages show them)."""
    hours, rest = divmod(int(ms) // 1000, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def local_naive(value: datetime, tz: tzinfo) -> datetime:
    """The wall-clock time in `tz`, without a zone (what Excel stores), to the millisecond."""
    local = value.astimezone(tz).replace(tzinfo=None)
    return local.replace(microsecond=local.microsecond // 1000 * 1000)


def _contact(row: ResultRow, column: str):
    """A contact value, for prize winners whose details were loaded; None otherwise."""
    if row.contact is None or not row.prize:
        return None
    return getattr(row.contact, column) or None


def _raw(row: ResultRow, column: str):
    """The value before formatting: None for an empty cell."""
    if column in _CONTACTS:
        return _contact(row, column)
    if column == "prize":
        return PRIZE_LABELS.get(row.prize or "") or None
    if column == "flags":
        return "; ".join(FLAG_LABELS.get(f, f) for f in row.flags) or None
    if column == "duration":
        return row.duration_ms
    value = row.unit_or_ward if column == "unit_or_ward" else getattr(row, column)
    return None if value == "" else value


def text_value(row: ResultRow, column: str, tz: tzinfo) -> str:
    """A cell as the CSV writes it: dates dd/mm/yyyy hh:mm:ss (local time), durations m:ss, scores 2 decimals."""
    value = _raw(row, column)
    if value is None:
        return ""
    if column == "score":
        return f"{value:.2f}"
    if column == "duration":
        return duration_text(value)
    if column == "submitted_at":
        return value.astimezone(tz).strftime(DATETIME_TEXT)
    if column == "birth_date":
        return value.strftime(DATE_TEXT)
    return str(value)


def cell_value(row: ResultRow, column: str, tz: tzinfo):
    """A cell as the workbook stores it: numbers, real dates and Excel durations; texts stay texts."""
    value = _raw(row, column)
    if value is None:
        return None
    if column == "score":
        return round(float(value), 2)
    if column == "duration":
        return timedelta(milliseconds=value)
    if column == "submitted_at":
        return local_naive(value, tz)
    if column in _INTEGERS:
        return int(value)
    return value  # names, codes, phone and CCCD numbers stay text (leading zeros kept); birth date is a date


def table(rows: list[ResultRow], columns: tuple[str, ...], tz: tzinfo) -> list[list[str]]:
    """The Vietnamese header and one list of texts per row."""
    return [[HEADERS[c] for c in columns]] + [[text_value(r, c, tz) for c in columns] for r in rows]


def to_csv(rows: list[ResultRow], columns: tuple[str, ...], tz: tzinfo) -> bytes:
    """The canonical CSV bytes (the same rows always give the same bytes); texts a spreadsheet would run as a
    formula (a name starting with "=") get a leading apostrophe."""
    header, *body = table(rows, columns, tz)
    texts = [i for i, c in enumerate(columns) if c not in _TYPED]
    for values in body:
        for i in texts:
            values[i] = csv_text(values[i])
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerows([header, *body])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def sheet_title(title: str) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\, at most 31 characters."""
    cleaned = "".join(" " if ch in '[]:*?/\\' else ch for ch in title).strip().strip("'")
    return " ".join(cleaned.split())[:31].strip() or "Kết quả"


def _number_format(column: str, long_durations: bool) -> str | None:
    if column == "duration":
        return "[h]:mm:ss" if long_durations else "[m]:ss"
    return {"score": XLSX_SCORE, "submitted_at": XLSX_DATETIME, "birth_date": XLSX_DATE,
            "phone": "@", "cccd": "@", "area_code": "@"}.get(column)


_MIN_WIDTH, _MAX_WIDTH = 6, 60
_WIDTH_OF_FORMAT = {XLSX_DATETIME: 19, XLSX_DATE: 10}


def _data_cell(sheet, value, fmt: str | None):
    """A body cell for the streamed sheet: a plain value where possible (openpyxl reuses one cell object), a cell
    of its own where it carries a number format; texts always stay texts (see formats.cells)."""
    if fmt is None:
        return cells.xlsx_text(sheet, value) if isinstance(value, str) else value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = fmt
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def to_xlsx(rows: list[ResultRow], columns: tuple[str, ...], tz: tzinfo, title: str = "Kết quả") -> bytes:
    """The same table as an Excel workbook: header in row 1 (frozen, with filters), numbers as numbers, submission
    times as local dates, durations as Excel times, widths that fit.

    Written in openpyxl's write-only (streaming) mode, a 100,000-row round in seconds: widths, the frozen header
    and every cell's format are decided before the rows are streamed, as that mode requires."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title(title))
    wb.properties.title = title
    long_durations = any(r.duration_ms >= 3_600_000 for r in rows)
    texts = table(rows, columns, tz)
    formats = [_number_format(column, long_durations) for column in columns]
    for index, fmt in enumerate(formats, start=1):
        # The header needs room for the filter's drop-down button too.
        widest = max([len(texts[0][index - 1]) + 2] + [len(t[index - 1]) for t in texts[1:]])
        widest = max(widest, _WIDTH_OF_FORMAT.get(fmt, 0) if rows else 0)
        ws.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, _MIN_WIDTH), _MAX_WIDTH)
    ws.freeze_panes = "A2"
    font, fill, alignment = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), Alignment(vertical="center")
    header = []
    for name in texts[0]:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill, cell.alignment = font, fill, alignment
        cell.data_type = "s"
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([_data_cell(ws, cell_value(row, c, tz), fmt) for c, fmt in zip(columns, formats)])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    return save_xlsx(wb)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
