"""Forgotten password, self-service: a contestant proves who they are with CCCD, birth date and phone.

All three must match one active contestant account that has a password; then a one-time link (15 minutes, the
same tokens as the links organisers hand over) lets them set a new one. Any mismatch gives one message, whatever
was wrong, and costs the same work, so the page does not tell which CCCD numbers have accounts. Staff accounts are
never reset this way: an admin gives them a link. Every success, refusal and blocked try goes to the audit log,
with CCCD and phone masked and no birth date.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from quizapp.domain import identity
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import User
from quizapp.services import accounts, audit, staff

LIFETIME = timedelta(minutes=15)
NO_MATCH = ("Thông tin không khớp với tài khoản nào. Kiểm tra lại số CCCD, ngày sinh và số điện thoại đã dùng khi "
            "đăng ký; nếu vẫn không được, hãy liên hệ Ban Tổ chức để được cấp đường dẫn đặt lại mật khẩu.")
BIRTH_DATE_NEEDED = "Vui lòng nhập ngày sinh (ngày/tháng/năm) hợp lệ."
# Where a browser's session keeps the hash of the token it got by proving who it is: using it signs that browser in.
SESSION_KEY = "self_reset_token"
VISITOR = "Người quên mật khẩu (chưa đăng nhập)"


@dataclass(frozen=True)
class Problem:
    field: str  # "cccd", "birth_date" or "phone"
    code: str
    message: str


class ResetError(DomainError):
    """The reset cannot be done (Vietnamese message); `field` names the input at fault, if one is."""

    def __init__(self, message: str, code: str, field: str = ""):
        super().__init__(message, code)
        self.field = field


def problems(cccd: str, birth_date: date | None, phone: str) -> list[Problem]:
    """What is wrong with the way the details are written (not whether they match anyone): every problem at once."""
    found = []
    for field, normalise, raw in (("cccd", identity.normalize_cccd, cccd), ("phone", identity.normalize_phone, phone)):
        try:
            normalise(raw)
        except DomainError as e:
            found.append(Problem(field, e.code, e.message))
    if birth_date is None:
        found.append(Problem("birth_date", "birth_date", BIRTH_DATE_NEEDED))
    return sorted(found, key=lambda p: ("cccd", "birth_date", "phone").index(p.field))


def start(cccd: str, birth_date: date | None, phone: str, now: datetime, ip: str = "") -> tuple[User, str]:
    """The account whose details all match, and a new one-time token to set its password; else ResetError."""
    found = problems(cccd, birth_date, phone)
    if found:
        raise ResetError(found[0].message, found[0].code, found[0].field)
    cccd, phone = identity.normalize_cccd(cccd), identity.normalize_phone(phone)
    user = db.session.scalar(select(User).where(User.cccd == cccd))
    refused = _refusal(user, birth_date, phone)
    accounts.check_dummy_password(cccd)  # the same hashing work whether or not anyone matched
    masked = {"cccd": identity.mask_digits(cccd), "phone": identity.mask_digits(phone), "ip": ip[:64]}
    if refused:
        audit.record("password.self_reset_refused", None, now, actor_name=VISITOR,
                     subject_user_id=user.id if user is not None and user.role == "contestant" else None,
                     after=masked | {"refused": refused})
        db.session.commit()
        raise ResetError(NO_MATCH, "no_match")
    token = staff.new_token(user, "password_reset", now, LIFETIME)
    audit.record("password.self_reset", None, now, actor_name=VISITOR, subject_user_id=user.id,
                 after=masked | {"expires_in_minutes": int(LIFETIME.total_seconds() // 60)})
    db.session.commit()
    return user, token


def _refusal(user: User | None, birth_date: date, phone: str) -> str:
    """Why this account cannot be reset with these details (for the log only), or "" when it can."""
    if user is None:
        return "cccd"
    if user.role != "contestant":
        return "staff"  # staff get a one-time link from an admin
    checks = (("birth_date", user.birth_date == birth_date),
              ("phone", hmac.compare_digest((user.phone or "").encode(), phone.encode())))
    wrong = [name for name, ok in checks if not ok]
    if wrong:
        return ",".join(wrong)
    if not user.is_active_account:
        return "locked"
    if not user.password_hash:
        return "no_password"  # imported by an organiser: its owner sets a password by registering (with consent)
    return ""


def record_blocked(limit: str, cccd_digits: str, now: datetime, ip: str = "") -> None:
    """Log a try refused by a rate limit (`limit`: "address" or "cccd"), CCCD masked."""
    audit.record("password.self_reset_blocked", None, now, actor_name=VISITOR,
                 after={"limit": limit, "cccd": identity.mask_digits(cccd_digits) if cccd_digits else "",
                        "ip": ip[:64]})
    db.session.commit()
