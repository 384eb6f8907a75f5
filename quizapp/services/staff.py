"""Staff accounts and their roles per contest; one-time links to set a password; the organisers' help desk.

Admins create staff accounts and memberships. A new staff member (or a contestant who forgot their password)
sets a password through a one-time link: shown once on screen to the admin or organiser who hands it over,
and e-mailed when SMTP is configured. Only the link's SHA-256 is stored.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from quizapp.domain import identity
from quizapp.domain.errors import DomainError
from quizapp.domain.text import fold_accents
from quizapp.extensions import db
from quizapp.models import Area, Attempt, Contest, OneTimeToken, Registration, StaffMembership, Unit, User
from quizapp.services import access, audit

TOKEN_LIFETIME = {"staff_setup": timedelta(days=7), "password_reset": timedelta(days=2)}
MIN_PASSWORD = 8
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")


class StaffError(DomainError):
    """A staff operation that cannot be done (Vietnamese message)."""


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise access.AccessError("Chỉ quản trị hệ thống được quản lý tài khoản cán bộ.", "forbidden")


# ---------------------------------------------------------------- accounts and memberships


def create_staff(login: str, full_name: str, actor: User | None, now: datetime, email: str = "",
                 password: str | None = None) -> User:
    """A staff account (no password unless given: it is set through a one-time link)."""
    _require_admin(actor)
    login = (login or "").strip().lower()
    if not _LOGIN.match(login):
        raise StaffError("Tên đăng nhập gồm 3–80 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới.",
                         "invalid_login")
    if db.session.scalar(select(User.id).where(User.username == login)):
        raise StaffError(f"Tên đăng nhập «{login}» đã có người dùng.", "login_taken")
    user = User(role="staff", username=login, full_name=(full_name or "").strip() or login,
                name_key=identity.name_key(full_name or login), email=(email or "").strip() or None, password_hash="")
    if password:
        set_password(user, password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise StaffError(f"Tên đăng nhập «{login}» đã có người dùng.", "login_taken") from None
    audit.record("staff.create", actor, now, subject_user_id=user.id, after={"login": login, "name": user.full_name})
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise StaffError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.", "weak_password")
    user.set_password(password)


def find_staff(login: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == (login or "").strip().lower(),
                                                User.role.in_(("staff", "admin"))))


def add_membership(user: User, contest: Contest, role: str, actor: User | None, now: datetime,
                   unit: Unit | None = None, area: Area | None = None) -> StaffMembership:
    """Give (or change) the staff member's role in the contest; a moderator is scoped to a unit or an area."""
    _require_admin(actor)
    if user.role == "contestant":
        raise StaffError("Tài khoản này là tài khoản thí sinh, không phải tài khoản cán bộ.", "not_staff")
    if role not in (access.ORGANIZER, access.MODERATOR):
        raise StaffError("Vai trò phải là Ban Tổ chức hoặc theo dõi đơn vị/địa bàn.", "invalid_role")
    if role == access.MODERATOR and unit is None and area is None:
        raise StaffError("Người theo dõi cần được giao một đơn vị hoặc một địa bàn của cuộc thi.", "scope_required")
    if (unit and unit.contest_id != contest.id) or (area and area.contest_id != contest.id):
        raise StaffError("Đơn vị hoặc địa bàn không thuộc cuộc thi này.", "scope_required")
    member = db.session.scalar(select(StaffMembership).where(
        StaffMembership.user_id == user.id, StaffMembership.contest_id == contest.id))
    before = _membership_summary(member) if member else {}
    if member is None:
        member = StaffMembership(user_id=user.id, contest_id=contest.id)
        db.session.add(member)
    member.role = role
    member.unit_id = unit.id if unit and role == access.MODERATOR else None
    member.area_id = area.id if area and role == access.MODERATOR else None
    db.session.flush()
    audit.record("staff.membership", actor, now, contest_id=contest.id, subject_user_id=user.id, before=before,
                 after=_membership_summary(member))
    db.session.commit()
    return member


def remove_membership(member_id: int, actor: User | None, now: datetime) -> None:
    _require_admin(actor)
    member = db.session.get(StaffMembership, member_id)
    if member is None:
        raise StaffError("Không tìm thấy phân công này.", "not_found")
    audit.record("staff.membership_remove", actor, now, contest_id=member.contest_id, subject_user_id=member.user_id,
                 before=_membership_summary(member))
    db.session.delete(member)
    db.session.commit()


def _membership_summary(m: StaffMembership) -> dict:
    return {"role": m.role, "unit": m.unit.code if m.unit else None, "area": m.area.code if m.area else None}


def set_active(user: User, active: bool, actor: User | None, now: datetime) -> None:
    """Lock or unlock a staff account (a locked account cannot sign in)."""
    _require_admin(actor)
    if actor is not None and user.id == actor.id:
        raise StaffError("Không thể tự khóa tài khoản của chính mình.", "self")
    user.is_active_account = active
    audit.record("staff.lock" if not active else "staff.unlock", actor, now, subject_user_id=user.id)
    db.session.commit()


def staff_list() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_(("staff", "admin"))).order_by(User.username)))


def memberships_of(contest: Contest) -> list[StaffMembership]:
    return list(db.session.scalars(select(StaffMembership).where(StaffMembership.contest_id == contest.id)
                                   .order_by(StaffMembership.role, StaffMembership.id)))


# ---------------------------------------------------------------- one-time links


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_hash(token: str) -> str:
    """What is stored of a one-time token (and what a session may remember of it)."""
    return _hash(token)


def new_token(user: User, purpose: str, now: datetime, lifetime: timedelta | None = None,
              actor: User | None = None) -> str:
    """Add a one-time token to the current transaction (earlier unused ones stop working); the caller commits."""
    for old in db.session.scalars(select(OneTimeToken).where(OneTimeToken.user_id == user.id,
                                                             OneTimeToken.used_at.is_(None))):
        old.used_at = now  # one live link at a time
    token = secrets.token_urlsafe(24)
    db.session.add(OneTimeToken(user_id=user.id, token_hash=_hash(token), purpose=purpose, created_at=now,
                                expires_at=now + (lifetime or TOKEN_LIFETIME[purpose]),
                                created_by_id=actor.id if actor else None))
    return token


def issue_link(user: User, purpose: str, actor: User | None, now: datetime, contest_id: int | None = None) -> str:
    """A new one-time token for setting the user's password (earlier unused ones stop working). Returns it."""
    token = new_token(user, purpose, now, actor=actor)
    audit.record("password.link", actor, now, contest_id=contest_id, subject_user_id=user.id,
                 after={"purpose": purpose, "expires_in_days": TOKEN_LIFETIME[purpose].days})
    db.session.commit()
    return token


def live_token(token: str, now: datetime) -> OneTimeToken | None:
    """The token's row while it can still be used, or None (unknown, used or expired)."""
    row = db.session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == _hash(token or "")))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def token_user(token: str, now: datetime) -> User | None:
    """The account a live token belongs to, or None (unknown, used or expired)."""
    row = live_token(token, now)
    return row.user if row is not None else None


def use_token(token: str, password: str, now: datetime) -> User:
    """Set the password through the link, once."""
    row = db.session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == _hash(token or ""))
                            .with_for_update())
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise StaffError("Đường dẫn đặt mật khẩu không còn hiệu lực (đã dùng hoặc đã hết hạn). Hãy xin một đường "
                         "dẫn mới.", "token_invalid")
    user = row.user
    set_password(user, password)
    row.used_at = now
    audit.record("password.set", user, now, subject_user_id=user.id, after={"purpose": row.purpose})
    db.session.commit()
    return user


# ---------------------------------------------------------------- the help desk


@dataclass
class Found:
    """A contestant found by the help desk, with their entries in the contests this staff member sees."""

    user: User
    registrations: list[Registration]


def find_contestants(query: str, viewer: access.Access, limit: int = 30) -> list[Found]:
    """Contestants of the viewer's contest whose name (accent-insensitive), phone or CCCD matches."""
    query = (query or "").strip()
    if not query:
        return []
    digits = re.sub(r"\D", "", query)
    conditions = []
    words = fold_accents(query).split()
    if words and not digits:
        name = identity.name_key(query)
        conditions.append(User.name_key.contains(name, autoescape=True))
    if len(digits) >= 4:
        conditions += [User.cccd.contains(digits, autoescape=True), User.phone.contains(digits[-9:], autoescape=True)]
    if not conditions:
        return []
    regs = list(db.session.scalars(
        select(Registration).join(User, User.id == Registration.user_id)
        .where(access.registration_condition(viewer), or_(*conditions))
        .order_by(User.full_name).limit(limit)))
    return [Found(r.user, [r]) for r in regs]


def entry_attempts(registration_id: int) -> list[Attempt]:
    return list(db.session.scalars(select(Attempt).where(Attempt.registration_id == registration_id)
                                   .order_by(Attempt.round_id, Attempt.number)))


def reset_link_for(registration: Registration, viewer: access.Access, actor: User, now: datetime) -> str:
    """An organiser hands a contestant a one-time link to set a new password."""
    if not viewer.can_decide or registration.contest_id != viewer.contest_id:
        raise access.AccessError("Chỉ Ban Tổ chức được cấp đường dẫn đặt lại mật khẩu.", "forbidden")
    return issue_link(registration.user, "password_reset", actor, now, contest_id=registration.contest_id)


def staff_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == "staff")) or 0


def staff_account(user_id: int) -> User | None:
    """A staff account by id (None for a contestant's or an unknown id)."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_staff else None
