"""Text longer than its String(length) column is refused when it is assigned, naming the field in Vietnamese.

PostgreSQL refuses such a value at INSERT/UPDATE (and aborts the transaction); SQLite would store it silently.
Checking on assignment, from the models themselves, covers every way in (pages, API, console, CLI imports),
and nothing has been changed yet when the error is raised, so the session stays clean for the error page.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event

from quizapp.domain.errors import DomainError

# What the person filling a form calls each column (by column name; a column's info={"label": ...} wins).
LABELS = {
    "full_name": "Họ và tên", "email": "Email", "phone": "Số điện thoại", "cccd": "Số CCCD", "username": "Tên đăng nhập",
    "name": "Tên", "title": "Tiêu đề", "code": "Mã", "slug": "Đường dẫn (slug)", "kind": "Loại", "status": "Trạng thái",
    "role": "Vai trò", "category": "Đối tượng dự thi", "gender": "Giới tính", "block": "Khối", "basis": "Căn cứ",
    "external_id": "Mã ngoài", "replaced_by": "Văn bản thay thế", "area_name": "Tên xã, phường", "area_code": "Mã xã, phường",
    "unit_name": "Tên đơn vị", "track_name": "Tên bảng thi", "province_code": "Mã tỉnh", "prize": "Giải",
    "decision": "Quyết định", "actor_name": "Người thực hiện", "action": "Thao tác", "key": "Khóa", "level": "Cấp",
    "division_type": "Loại đơn vị hành chính", "certificate_code": "Mã chứng nhận", "device_id": "Mã thiết bị",
    "device_token": "Mã thiết bị", "registered_ip": "Địa chỉ IP", "client_ip": "Địa chỉ IP", "name_key": "Họ và tên",
    "style": "Kiểu câu hỏi", "counting_rule": "Lượt được tính", "prediction_mode": "Câu hỏi dự đoán",
    "group_level": "Cấp xét giải tập thể", "use": "Cách dùng", "flags": "Cảnh báo", "purpose": "Mục đích",
}


class FieldTooLong(DomainError):
    code = "too_long"

    def __init__(self, label: str, limit: int, length: int, field: str):
        super().__init__(f"«{label}» quá dài: tối đa {limit} ký tự (đã nhập {length}).", self.code)
        self.field = field


def label_of(column: sa.Column) -> str:
    return column.info.get("label") or LABELS.get(column.key, column.key)


def _checker(column: sa.Column, limit: int):
    label = label_of(column)

    def check(_target, value, _old, _initiator):
        if isinstance(value, str) and len(value) > limit:
            raise FieldTooLong(label, limit, len(value), column.key)

    return check


_installed: set[type] = set()


def install(base) -> None:
    """A 'set' listener on every String(length) column of every mapped class (once per class)."""
    for mapper in base.registry.mappers:
        cls = mapper.class_
        if cls in _installed:
            continue
        _installed.add(cls)
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            if isinstance(column.type, sa.String) and column.type.length:
                event.listen(getattr(cls, attr.key), "set", _checker(column, column.type.length))
