"""A person's own data as they download it (Decree 13/2023/NĐ-CP): the sections, their Vietnamese headers, the
workbook (one sheet per section) and the rules of anonymisation. Pure: takes the export as plain values."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from quizapp.domain.formats.cells import save_xlsx

ANONYMISED_NAME = "Đã xóa theo yêu cầu"
# Identity fields a person corrects only through a request to the organisers (they decide one-person-one-entry).
CORRECTION_FIELDS = {"full_name": "Họ và tên", "cccd": "Số CCCD", "birth_date": "Ngày sinh", "gender": "Giới tính"}
GENDER_LABELS = {"nam": "Nam", "nu": "Nữ"}
REQUEST_KIND_LABELS = {"correction": "Đề nghị sửa thông tin", "deletion": "Rút lại sự đồng ý và đề nghị xóa dữ liệu"}
REQUEST_STATUS_LABELS = {"open": "Đang chờ xử lý", "done": "Đã xử lý"}

# Section key -> (sheet title, [(field, header)]). The account is one record; every other section a list.
SECTIONS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "account": ("Tài khoản", [
        ("full_name", "Họ và tên"), ("cccd", "Số CCCD"), ("phone", "Số điện thoại"), ("email", "Email"),
        ("birth_date", "Ngày sinh"), ("gender", "Giới tính"), ("created_at", "Ngày tạo tài khoản"),
        ("active", "Tài khoản đang hoạt động")]),
    "registrations": ("Đăng ký dự thi", [
        ("contest", "Cuộc thi"), ("organizer", "Ban Tổ chức"), ("track", "Bảng"), ("category", "Đối tượng"),
        ("unit", "Đơn vị công tác"), ("area", "Xã, phường"), ("status", "Tình trạng"),
        ("status_reason", "Lý do (nếu bị loại)"), ("consented_at", "Đồng ý xử lý dữ liệu lúc"),
        ("registered_at", "Đăng ký lúc"), ("registered_ip", "Địa chỉ mạng khi đăng ký"),
        ("device_id", "Mã thiết bị khi đăng ký")]),
    "attempts": ("Lượt thi", [
        ("contest", "Cuộc thi"), ("round", "Đợt thi"), ("number", "Lượt"), ("status", "Tình trạng"),
        ("started_at", "Bắt đầu lúc"), ("submitted_at", "Nộp lúc"), ("correct", "Số câu đúng"),
        ("total", "Số câu"), ("score", "Điểm"), ("duration_seconds", "Thời gian làm bài (giây)"),
        ("prediction", "Số dự đoán"), ("counted", "Được tính"), ("answers", "Số câu đã trả lời"),
        ("client_ip", "Địa chỉ mạng")]),
    "reviews": ("Xem xét", [
        ("contest", "Cuộc thi"), ("round", "Đợt thi"), ("what", "Nội dung xem xét"), ("found_at", "Phát hiện lúc"),
        ("outcome", "Kết quả"), ("decided_at", "Quyết định lúc")]),
    "published_results": ("Kết quả đã công bố", [
        ("contest", "Cuộc thi"), ("round", "Đợt thi"), ("version", "Lần công bố"), ("current", "Đang có hiệu lực"),
        ("published_at", "Công bố lúc"), ("name_as_published", "Họ tên như đã công bố"), ("track", "Bảng"),
        ("rank", "Thứ hạng"), ("prize", "Giải"), ("correct", "Số câu đúng"), ("total", "Số câu"),
        ("certificate_code", "Mã giấy chứng nhận")]),
    "requests": ("Yêu cầu của bạn", [
        ("kind", "Loại yêu cầu"), ("fields", "Thông tin cần sửa"), ("message", "Nội dung"),
        ("created_at", "Gửi lúc"), ("status", "Tình trạng"), ("resolved_at", "Xử lý lúc")]),
    "audit": ("Nhật ký", [
        ("at", "Thời điểm"), ("action", "Việc đã làm"), ("contest", "Cuộc thi"), ("by", "Người thực hiện")]),
}


def _cell(value):
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _sheet(ws, columns: list[tuple[str, str]], rows: Iterable[dict]) -> None:
    ws.append([header for _, header in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_cell(row.get(key)) for key, _ in columns])
    for i, (_, header) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(header) + 4))
    ws.freeze_panes = "A2"


def to_xlsx(export: dict) -> bytes:
    """The export as a workbook: one sheet per section, Vietnamese headers on the first row."""
    wb = Workbook()
    wb.remove(wb.active)
    for key, (title, columns) in SECTIONS.items():
        value = export.get(key)
        rows = [value] if isinstance(value, dict) else (value or [])
        _sheet(wb.create_sheet(title), columns, rows)
    return save_xlsx(wb)


def results_are_final(rounds: Iterable[tuple[bool, bool, bool]]) -> bool:
    """Whether a contest's results are final: every ranked round (closed, published, has finished attempts)
    is published, or closed with nothing to publish. Practice rounds are not given."""
    return all(published or (closed and not attempted) for closed, published, attempted in rounds)
