"""The results files: exact columns, canonical CSV bytes, and the digest a reader can recompute."""
import csv
import hashlib
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from quizapp.domain.results import ORGANIZER_COLUMNS, PUBLIC_COLUMNS, ResultRow, iso_local, sha256_hex, to_csv, to_xlsx
from quizapp.domain.review import entry_flags

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROW = ResultRow(rank=1, prize="first", full_name="Nguyễn Thị Hoa", track="Người dân", area_code="19030",
                area_name="Phường Đông, Hà", unit_name="", correct=20, total=20, score=100.0, prediction=135,
                prediction_error=2, duration_ms=301_250, submitted_at=datetime(2026, 11, 10, 2, 15, 3, 250_000,
                                                                               tzinfo=UTC),
                attempt_id=981, flags=("fast", "shared_device"))


def parse(data: bytes):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_organizer_csv_has_exactly_the_agreed_columns_and_formats():
    header, row = parse(to_csv([ROW], ORGANIZER_COLUMNS, VN))
    assert header == ["rank", "full_name", "track", "area_code", "area_name", "unit_name", "correct", "score",
                      "prediction", "prediction_error", "duration_ms", "submitted_at", "attempt_id", "flags"]
    assert row == ["1", "Nguyễn Thị Hoa", "Người dân", "19030", "Phường Đông, Hà", "", "20", "100.00", "135", "2",
                   "301250", "2026-11-10T09:15:03.250+07:00", "981", "fast;shared_device"]


def test_public_csv_names_the_ward_when_there_is_no_unit_and_shows_the_prize():
    header, row = parse(to_csv([ROW], PUBLIC_COLUMNS, VN))
    assert header == list(PUBLIC_COLUMNS) and "attempt_id" not in header and "area_code" not in header
    assert dict(zip(header, row))["unit_or_ward"] == "Phường Đông, Hà"
    assert dict(zip(header, row))["prize"] == "Giải Nhất"


def test_the_same_rows_always_give_the_same_bytes_and_digest():
    a, b = to_csv([ROW, ROW], PUBLIC_COLUMNS, VN), to_csv([ROW, ROW], PUBLIC_COLUMNS, VN)
    assert a == b and a.startswith(b"\xef\xbb\xbf") and b"\r\n" in a
    assert sha256_hex(a) == hashlib.sha256(a).hexdigest()


def test_xlsx_has_the_same_header_and_typed_values():
    sheet = load_workbook(io.BytesIO(to_xlsx([ROW], ORGANIZER_COLUMNS, VN))).active
    assert [c.value for c in sheet[1]] == list(ORGANIZER_COLUMNS)
    assert sheet["A2"].value == 1 and sheet["H2"].value == 100.0 and sheet["L2"].value.endswith("+07:00")


def test_times_are_shown_with_the_vietnam_offset():
    assert iso_local(datetime(2026, 1, 1, 17, 0, tzinfo=UTC), VN) == "2026-01-02T00:00:00.000+07:00"


def test_entries_are_flagged_when_near_perfect_and_implausibly_fast():
    assert entry_flags(20, 20, 59_000, False, False) == ["fast"]
    assert entry_flags(20, 20, 60_000, False, False) == []
    assert entry_flags(10, 20, 10_000, False, False) == []  # fast but guessing: nothing to investigate
    assert entry_flags(18, 20, 120_000, True, True) == ["shared_device", "duplicate_person"]
