"""Review of entries: likely duplicate people, flags for organisers, and the audit log of every decision."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.types import UTCDateTime, utcnow

DUPLICATE_STATUSES = ("open", "merged", "disqualified", "cleared")
FLAG_KINDS = ("fast_attempt", "same_device", "same_address", "same_answers")
FLAG_STATUSES = ("open", "cleared", "confirmed")


class DuplicateCandidate(db.Model):
    """Two entries of one contest that may be one person (found by `flask review scan`); never acted on alone."""

    __tablename__ = "duplicate_candidate"
    __table_args__ = (
        UniqueConstraint("registration_a_id", "registration_b_id"),
        CheckConstraint("registration_a_id < registration_b_id", name="pair_order"),
        CheckConstraint("status IN ('open','merged','disqualified','cleared')", name="status"),
        Index("ix_duplicate_candidate_contest_status", "contest_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    registration_a_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    registration_b_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kept_registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id", ondelete="SET NULL"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    registration_a = relationship("Registration", foreign_keys=[registration_a_id])
    registration_b = relationship("Registration", foreign_keys=[registration_b_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])


class ReviewFlag(db.Model):
    """Something an organiser should look at (too fast, many accounts from one device...). Never a ban by itself."""

    __tablename__ = "review_flag"
    __table_args__ = (
        UniqueConstraint("contest_id", "key"),
        CheckConstraint("kind IN ('fast_attempt','same_device','same_address','same_answers')", name="kind"),
        CheckConstraint("status IN ('open','cleared','confirmed')", name="status"),
        Index("ix_review_flag_contest_status", "contest_id", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(String(160))  # what was found, so a new scan does not repeat it
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    other_registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    other_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    registration = relationship("Registration", foreign_keys=[registration_id])
    other_registration = relationship("Registration", foreign_keys=[other_registration_id])
    attempt = relationship("Attempt", foreign_keys=[attempt_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])


class AuditLog(db.Model):
    """Who did what, when, to which entry, with the data before and after (CCCD and phone only masked)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_contest_at", "contest_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(120), default="")  # kept if the account goes
    action: Mapped[str] = mapped_column(String(40))
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contest.id", ondelete="SET NULL"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id", ondelete="SET NULL"), index=True)
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
