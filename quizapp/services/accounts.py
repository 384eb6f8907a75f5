"""Accounts: signing in by phone, CCCD or staff username."""
from __future__ import annotations

import contextlib

from sqlalchemy import or_, select

from quizapp.domain.errors import DomainError
from quizapp.domain.identity import normalize_phone
from quizapp.extensions import db
from quizapp.models import User

# Hash of a throwaway password, checked when no account matches so that timing does not reveal which exist.
_DUMMY = User(full_name="", password_hash="")
_DUMMY.set_password("not-a-real-password")


def check_dummy_password(value: str) -> None:
    """Spend the time of one password check, so that a refusal takes as long as a real check."""
    _DUMMY.check_password(value)


def _lookup_keys(identifier: str) -> list[str]:
    raw = identifier.strip()
    keys = [raw, raw.lower()]
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == 12:
        keys.append(digits)
    with contextlib.suppress(DomainError):
        keys.append(normalize_phone(raw))
    return keys


# An unknown account and a wrong password get the same answer, so sign-in never tells which accounts exist.
BAD_CREDENTIALS = "Số điện thoại, số CCCD hoặc mật khẩu không đúng."


def authenticate(identifier: str, password: str) -> User:
    """The account for this phone / CCCD / username and password, or DomainError (Vietnamese).

    An unknown account and a wrong password are one error (`invalid_credentials`), each after one password check.
    """
    keys = _lookup_keys(identifier)
    user = db.session.scalar(
        select(User).where(or_(User.phone.in_(keys), User.cccd.in_(keys), User.username.in_(keys))).limit(1)
    )
    if user is None:
        _DUMMY.check_password(password)
        raise DomainError(BAD_CREDENTIALS, "invalid_credentials")
    if not user.password_hash:  # imported by an organiser; its owner sets a password by registering
        _DUMMY.check_password(password)
        raise DomainError("Tài khoản này do Ban Tổ chức đăng ký giúp và chưa có mật khẩu. Hãy vào trang «Đăng ký dự "
                          "thi», khai đúng số CCCD, số điện thoại, ngày sinh và giới tính của bạn để đặt mật khẩu.",
                          "password_not_set")
    if not user.check_password(password):
        raise DomainError(BAD_CREDENTIALS, "invalid_credentials")
    if not user.is_active_account:
        raise DomainError("Tài khoản này đã bị khóa. Vui lòng liên hệ ban tổ chức.", "account_locked")
    return user
