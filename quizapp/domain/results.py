"""Results exports: the organiser's and the public columns, and one canonical CSV serialisation.

The SHA-256 digest shown on the public results page is the digest of the public CSV's exact bytes
(UTF-8 with a byte-order mark so Excel reads Vietnamese, CRLF line ends, values formatted as below), so
anyone can check a downloaded file with `sha256sum` (or `certutil -hashfile FILE SHA256` on Windows).
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, tzinfo

from openpyxl import Workbook
from openpyxl.styles import Font

from .prizes import PRIZE_LABELS

ORGANIZER_COLUMNS = ("rank", "full_name", "track", "area_code", "area_name", "unit_name", "correct", "score",
                     "prediction", "prediction_error", "duration_ms", "submitted_at", "attempt_id", "flags")
# Only the name and the unit (or, for citizens without one, the commune/ward) identify a contestant here.
PUBLIC_COLUMNS = ("rank", "prize", "full_name", "track", "unit_or_ward", "correct", "score", "prediction",
                  "prediction_error", "duration_ms", "submitted_at")


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

    @property
    def unit_or_ward(self) -> str:
        return self.unit_name or self.area_name


def iso_local(value: datetime, tz: tzinfo) -> str:
    """ISO 8601 with the zone's offset and milliseconds, e.g. 2026-11-10T09:15:03.250+07:00."""
    return value.astimezone(tz).isoformat(timespec="milliseconds")


def _value(row: ResultRow, column: str, tz: tzinfo):
    if column == "score":
        return f"{row.score:.2f}"
    if column == "submitted_at":
        return iso_local(row.submitted_at, tz)
    if column == "flags":
        return ";".join(row.flags)
    if column == "prize":
        return PRIZE_LABELS.get(row.prize or "", "")
    if column == "unit_or_ward":
        return row.unit_or_ward
    value = getattr(row, column)
    return "" if value is None else value


def table(rows: list[ResultRow], columns: tuple[str, ...], tz: tzinfo) -> list[list]:
    """The header and one list of values per row."""
    return [list(columns)] + [[_value(r, c, tz) for c in columns] for r in rows]


def to_csv(rows: list[ResultRow], columns: tuple[str, ...], tz: tzinfo) -> bytes:
    """The canonical CSV bytes (the same rows always give the same bytes)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    for values in table(rows, columns, tz):
        writer.writerow(["" if v is None else str(v) for v in values])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def to_xlsx(rows: list[ResultRow], columns: tuple[str, ...], tz: tzinfo, title: str = "Kết quả") -> bytes:
    """The same table as an Excel workbook (numbers as numbers, times as ISO text with the offset)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    numeric = {"rank", "correct", "prediction", "prediction_error", "duration_ms", "attempt_id"}
    for i, values in enumerate(table(rows, columns, tz)):
        if i:
            values = [int(v) if c in numeric and v != "" else float(v) if c == "score" else v
                      for c, v in zip(columns, values)]
        ws.append(values)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
