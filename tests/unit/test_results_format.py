"""The results files: Vietnamese headers, canonical CSV bytes, typed workbook cells, winners' contacts only."""
import csv
import hashlib
import io
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from quizapp.domain.results import (
    CONTACT_COLUMNS,
    HEADERS,
    ORGANIZER_COLUMNS,
    PUBLIC_COLUMNS,
    Contact,
    ResultRow,
    duration_text,
    public_selection,
    sha256_hex,
    sheet_title,
    to_csv,
    to_xlsx,
)
from quizapp.domain.review import entry_flags

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROW = ResultRow(rank=1, prize="first", full_name="Nguyễn Thị Hoa", track="Người dân", area_code="19030",
                area_name="Phường Đông, Hà", unit_name="", correct=20, total=20, score=100.0, prediction=135,
                prediction_error=2, duration_ms=301_250, submitted_at=datetime(2026, 11, 10, 2, 15, 3, 250_000,
                                                                               tzinfo=UTC),
                attempt_id=981, flags=("fast", "shared_device"),
                contact=Contact("0912345678", "001190000123", date(1990, 1, 2), "hoa@example.vn"))
LOSER = replace(ROW, rank=7, prize=None, full_name="Trần Văn Nam", score=45.5, duration_ms=3_725_000, flags=(),
                contact=Contact("0987654321", "001090000456", date(1985, 6, 7), ""))
WITH_CONTACTS = ORGANIZER_COLUMNS + CONTACT_COLUMNS


def parse(data: bytes):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_organizer_csv_has_vietnamese_headers_and_values_as_an_organiser_reads_them():
    header, row = parse(to_csv([ROW], ORGANIZER_COLUMNS, VN))
    assert header == ["Hạng", "Giải", "Họ và tên", "Đối tượng/Bảng", "Mã xã, phường", "Xã, phường", "Đơn vị",
                      "Số câu đúng", "Số câu", "Điểm", "Dự đoán", "Chênh lệch dự đoán", "Thời gian làm bài",
                      "Nộp bài lúc", "Mã bài thi", "Cờ cần xem xét"]
    assert row == ["1", "Giải Nhất", "Nguyễn Thị Hoa", "Người dân", "19030", "Phường Đông, Hà", "", "20", "20",
                   "100.00", "135", "2", "5:01", "10/11/2026 09:15:03", "981",
                   "Làm bài quá nhanh so với số câu đúng; Cùng thiết bị với tài khoản khác"]


def test_contacts_are_written_for_prize_winners_only():
    header, winner, other = parse(to_csv([ROW, LOSER], WITH_CONTACTS, VN))
    assert header[-4:] == ["Số điện thoại", "Số CCCD", "Ngày sinh", "Email"]
    assert winner[-4:] == ["0912345678", "001190000123", "02/01/1990", "hoa@example.vn"]
    assert other[-4:] == ["", "", "", ""]
    assert "0987654321" not in repr(LOSER) and "0912345678" not in repr(ROW)  # never in a log line


def test_public_csv_names_the_ward_when_there_is_no_unit_and_never_has_contacts():
    header, row = parse(to_csv([ROW], PUBLIC_COLUMNS, VN))
    assert header == [HEADERS[c] for c in PUBLIC_COLUMNS] and "Mã bài thi" not in header and "Số CCCD" not in header
    values = dict(zip(header, row))
    assert values["Đơn vị hoặc xã, phường"] == "Phường Đông, Hà" and values["Giải"] == "Giải Nhất"
    assert "0912345678" not in ",".join(row) and "001190000123" not in ",".join(row)


def test_the_public_list_is_the_winners_or_each_tracks_first_ten_without_prizes():
    assert public_selection([ROW, LOSER]) == [ROW]
    unprized = [replace(LOSER, rank=n) for n in range(1, 13)]
    assert [r.rank for r in public_selection(unprized)] == list(range(1, 11))


def test_the_same_rows_always_give_the_same_bytes_and_digest():
    a, b = to_csv([ROW, ROW], PUBLIC_COLUMNS, VN), to_csv([ROW, ROW], PUBLIC_COLUMNS, VN)
    assert a == b and a.startswith(b"\xef\xbb\xbf") and b"\r\n" in a
    assert sha256_hex(a) == hashlib.sha256(a).hexdigest()


def test_durations_read_as_minutes_and_seconds_or_hours():
    assert duration_text(301_250) == "5:01" and duration_text(59_999) == "0:59" and duration_text(3_725_000) == "1:02:05"


def test_xlsx_has_the_header_in_row_one_with_filters_and_typed_cells():
    sheet = load_workbook(io.BytesIO(to_xlsx([ROW, LOSER], WITH_CONTACTS, VN, title="Tuần 1: Nội vụ"))).active
    assert [c.value for c in sheet[1]] == [HEADERS[c] for c in WITH_CONTACTS]
    assert sheet.title == "Tuần 1 Nội vụ" and sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:T3"
    cells = {HEADERS[c]: sheet.cell(row=2, column=i) for i, c in enumerate(WITH_CONTACTS, start=1)}
    assert cells["Hạng"].value == 1 and cells["Điểm"].value == 100.0 and cells["Điểm"].number_format == "0.00"
    assert cells["Nộp bài lúc"].value == datetime(2026, 11, 10, 9, 15, 3, 250_000)  # local wall clock, no zone
    assert cells["Nộp bài lúc"].number_format == "dd/mm/yyyy hh:mm:ss"
    duration = cells["Thời gian làm bài"]
    assert isinstance(duration.value, (timedelta, time)) and duration.number_format == "[h]:mm:ss"
    assert duration.value == timedelta(seconds=301.25)
    assert cells["Số điện thoại"].value == "0912345678" and cells["Số CCCD"].value == "001190000123"  # zeros kept
    assert cells["Ngày sinh"].value.date() == date(1990, 1, 2) and cells["Ngày sinh"].number_format == "dd/mm/yyyy"
    assert [sheet.cell(row=3, column=i).value for i in range(17, 21)] == [None] * 4  # not a winner
    assert sheet.cell(row=3, column=13).value == timedelta(hours=1, minutes=2, seconds=5)
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert widths["C"] >= len("Nguyễn Thị Hoa") and widths["N"] >= 19 and max(widths.values()) <= 60


def test_short_rounds_show_durations_as_minutes():
    sheet = load_workbook(io.BytesIO(to_xlsx([ROW], PUBLIC_COLUMNS, VN))).active
    assert sheet.cell(row=2, column=PUBLIC_COLUMNS.index("duration") + 1).number_format == "[m]:ss"


def test_sheet_names_are_ones_excel_accepts():
    assert sheet_title("Đợt 1 [thử]/2026?") == "Đợt 1 thử 2026" and sheet_title("***") == "Kết quả"
    assert len(sheet_title("Tuần " * 20)) <= 31


def test_submission_times_are_vietnam_wall_clock_times():
    late = replace(ROW, submitted_at=datetime(2026, 1, 1, 17, 0, 0, 999_999, tzinfo=UTC))
    assert parse(to_csv([late], PUBLIC_COLUMNS, VN))[1][PUBLIC_COLUMNS.index("submitted_at")] == "02/01/2026 00:00:00"


def test_entries_are_flagged_when_near_perfect_and_implausibly_fast():
    assert entry_flags(20, 20, 59_000, False, False) == ["fast"]
    assert entry_flags(20, 20, 60_000, False, False) == []
    assert entry_flags(10, 20, 10_000, False, False) == []  # fast but guessing: nothing to investigate
    assert entry_flags(18, 20, 120_000, True, True) == ["shared_device", "duplicate_person"]
