"""The audit log: every decision on an entry and every change to identity data, with who, when, before and after.

`record` adds the row to the caller's transaction, so a change and its log entry are saved together or not at
all. Identity data is kept once, on the account: the log holds CCCD and phone masked and the birth year only,
and a correction records which fields changed, never their values.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from quizapp.domain.identity import mask_digits
from quizapp.extensions import db
from quizapp.models import AuditLog, Registration, User

ACTION_LABELS = {
    "entry.register": "Đăng ký dự thi",
    "entry.import": "Nhập từ danh sách",
    "account.claim": "Kích hoạt tài khoản được nhập",
    "entry.disqualify": "Loại khỏi cuộc thi",
    "entry.merge": "Gộp trùng người",
    "entry.restore": "Khôi phục quyền dự thi",
    "identity.update": "Sửa thông tin cá nhân",
    "duplicate.clear": "Không phải trùng người",
    "flag.clear": "Bỏ qua cảnh báo",
    "flag.confirm": "Xác nhận cảnh báo",
    "password.self_reset": "Tự đặt lại mật khẩu (quên mật khẩu)",
    "password.self_reset_refused": "Đặt lại mật khẩu: thông tin không khớp",
    "password.self_reset_blocked": "Đặt lại mật khẩu: bị chặn vì thử quá nhiều lần",
    "contact.update": "Sửa email, số điện thoại",
    "privacy.correction_request": "Đề nghị sửa thông tin cá nhân",
    "privacy.correction_done": "Đã xử lý đề nghị sửa thông tin",
    "privacy.deletion_request": "Rút lại sự đồng ý, đề nghị xóa dữ liệu",
    "privacy.anonymise": "Ẩn danh dữ liệu theo yêu cầu",
}
IDENTITY_FIELDS = ("full_name", "birth_date", "gender", "cccd", "phone", "email")
MASKED = ("cccd", "phone")
FIELD_LABELS = {"full_name": "Họ và tên", "birth_date": "Ngày sinh", "gender": "Giới tính", "cccd": "Số CCCD",
                "phone": "Số điện thoại", "email": "Email", "status": "Tình trạng", "status_reason": "Lý do",
                "category": "Đối tượng", "fields": "Thông tin"}


def record(action: str, actor: User | None, now: datetime, *, registration: Registration | None = None,
           contest_id: int | None = None, subject_user_id: int | None = None, before: dict | None = None,
           after: dict | None = None, reason: str = "", actor_name: str = "") -> AuditLog:
    """Add one log entry to the current transaction (the caller commits)."""
    if registration is not None:
        contest_id = contest_id or registration.contest_id
        subject_user_id = subject_user_id or registration.user_id
    entry = AuditLog(at=now, actor_id=actor.id if actor is not None else None,
                     actor_name=(actor_name or (_name_of(actor) if actor is not None else "Hệ thống"))[:120],
                     action=action, contest_id=contest_id,
                     registration_id=registration.id if registration is not None else None,
                     subject_user_id=subject_user_id, reason=reason or "", before=before or {}, after=after or {})
    db.session.add(entry)
    return entry


def _name_of(user: User) -> str:
    return f"{user.full_name} ({user.username})" if user.username else user.full_name


def birth_year(value) -> str | None:
    """A birth date as the log keeps it and non-admins see it: the year only ("**/**/1990")."""
    return f"**/**/{value.year}" if value else None


def identity_snapshot(user: User) -> dict:
    """The identity data of an account as the log keeps it (CCCD and phone masked, the birth year only)."""
    values = {name: getattr(user, name) for name in IDENTITY_FIELDS}
    values["birth_date"] = birth_year(values["birth_date"])
    return {k: (mask_digits(v) if k in MASKED and v else v) for k, v in values.items()}


def entry_snapshot(reg: Registration) -> dict:
    """An entry's identity and standing, for the log."""
    return identity_snapshot(reg.user) | {
        "status": reg.status, "status_reason": reg.status_reason or "", "duplicate_of_id": reg.duplicate_of_id,
        "category": reg.category, "area_id": reg.area_id, "unit_id": reg.unit_id,
    }


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Which fields differ, as the log keeps a correction: their names only (`_changed`), never the values
    (the account holds the new ones; the old ones are not personal data the log should keep)."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {}, {"_changed": changed}


def entries(contest_id: int | None = None, registration_id: int | None = None, page: int = 1,
            per_page: int = 50) -> tuple[list[AuditLog], int]:
    """Log entries, newest first, and how many there are."""
    query = select(AuditLog)
    if contest_id is not None:
        query = query.where(AuditLog.contest_id == contest_id)
    if registration_id is not None:
        query = query.where(AuditLog.registration_id == registration_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return list(rows), total or 0
