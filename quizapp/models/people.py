"""Accounts (with roles) and their entries in contests."""
from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp import passwords
from quizapp.extensions import db
from quizapp.models.types import UTCDateTime, utcnow

ROLES = ("admin", "staff", "contestant")
MEMBER_ROLES = ("organizer", "moderator")
TOKEN_PURPOSES = ("staff_setup", "password_reset")


class User(UserMixin, db.Model):
    """An account. CCCD and phone are unique across the platform (they are also the sign-in names).

    `role`: "admin" (the whole site), "staff" (what their memberships allow, contest by contest) or "contestant".
    """

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('admin','staff','contestant')", name="role"),
        CheckConstraint("gender IS NULL OR gender IN ('nam','nu')", name="gender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="contestant")
    full_name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120), default="", index=True)
    username: Mapped[str | None] = mapped_column(String(80), unique=True)  # staff sign-in name
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(15), unique=True)
    cccd: Mapped[str | None] = mapped_column(String(12), unique=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(3))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[StaffMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="StaffMembership.user_id")

    def set_password(self, password: str) -> None:
        """Store an argon2id hash of the password (quizapp/passwords.py); every way of setting one comes here."""
        self.password_hash = passwords.hash_password(password)

    def check_password(self, password: str) -> bool:
        return passwords.verify_password(self.password_hash, password)

    @property
    def password_needs_upgrade(self) -> bool:
        """An older hash (werkzeug scrypt/pbkdf2, other argon2 parameters), replaced at the next sign-in."""
        return bool(self.password_hash) and passwords.needs_rehash(self.password_hash)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "staff")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class StaffMembership(db.Model):
    """A staff member's role in one contest: organizer (everything in it) or moderator of a unit or an area."""

    __tablename__ = "staff_membership"
    __table_args__ = (
        UniqueConstraint("user_id", "contest_id"),
        CheckConstraint("role IN ('organizer','moderator')", name="role"),
        CheckConstraint("role = 'organizer' OR unit_id IS NOT NULL OR area_id IS NOT NULL", name="moderator_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    contest = relationship("Contest")
    unit = relationship("Unit")
    area = relationship("Area")


class OneTimeToken(db.Model):
    """A one-time link to set a password (a new staff member, or a reset an organiser hands over).

    Only the SHA-256 of the token is kept; the link is shown once.
    """

    __tablename__ = "one_time_token"
    __table_args__ = (CheckConstraint("purpose IN ('staff_setup','password_reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id])


class Registration(db.Model):
    """A person's entry in a contest: one per person and contest.

    `status` is the source of truth for whether an entry takes part; the integrity service keeps
    `Attempt.disqualified` of every attempt of the entry equal to (status == "disqualified").
    """

    __tablename__ = "registration"
    __table_args__ = (
        UniqueConstraint("contest_id", "user_id"),
        CheckConstraint("status IN ('active','disqualified')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="RESTRICT"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    category: Mapped[str] = mapped_column(String(24), default="citizen")
    status: Mapped[str] = mapped_column(String(16), default="active")
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_ip: Mapped[str] = mapped_column(String(64), default="")
    device_id: Mapped[str] = mapped_column(String(64), default="")
    status_reason: Mapped[str] = mapped_column(Text, default="")  # why it was disqualified ("trùng người", ...)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship()
    contest = relationship("Contest")
    track = relationship("Track")
    area = relationship("Area")
    unit = relationship("Unit")
    duplicate_of: Mapped[Registration | None] = relationship(remote_side=[id])
