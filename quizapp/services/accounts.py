"""Accounts: signing in by phone, CCCD or staff username."""
from __future__ import annotations

import contextlib
import logging

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError

from quizapp import passwords
from quizapp.domain.errors import DomainError
from quizapp.domain.identity import normalize_phone
from quizapp.extensions import db
from quizapp.models import User

log = logging.getLogger(__name__)


def check_dummy_password(value: str) -> None:
    """Spend the time of one password check (argon2id, like a real one), so that a refusal takes as long."""
    passwords.check_dummy(value)


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
    A successful sign-in with an older hash (werkzeug scrypt/pbkdf2, other argon2 parameters) stores an argon2id
    hash of the same password and commits it.
    """
    keys = _lookup_keys(identifier)
    user = db.session.scalar(
        select(User).where(or_(User.phone.in_(keys), User.cccd.in_(keys), User.username.in_(keys))).limit(1)
    )
    if user is None:
        check_dummy_password(password)
        raise DomainError(BAD_CREDENTIALS, "invalid_credentials")
    if not user.password_hash:  # imported by an organiser; its owner sets a password by registering
        check_dummy_password(password)
        raise DomainError("Tài khoản này do Ban Tổ chức đăng ký giúp và chưa có mật khẩu. Hãy vào trang «Đăng ký dự "
                          "thi», khai đúng số CCCD, số điện thoại, ngày sinh và giới tính của bạn để đặt mật khẩu.",
                          "password_not_set")
    if not user.check_password(password):
        raise DomainError(BAD_CREDENTIALS, "invalid_credentials")
    if not user.is_active_account:
        raise DomainError("Tài khoản này đã bị khóa. Vui lòng liên hệ ban tổ chức.", "account_locked")
    if user.password_needs_upgrade:
        _upgrade_hash(user, password)
    return user


def _upgrade_hash(user: User, password: str) -> None:
    """Replace the old hash by argon2id. Best effort: a refused write (full disk, read-only database) must not
    refuse the sign-in; the old hash still works and is upgraded at a later one."""
    user_id = user.id
    user.set_password(password)
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("password hash of account %s not upgraded: the write was refused", user_id, exc_info=True)
