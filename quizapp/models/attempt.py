"""Attempts, the questions each attempt drew in the order shown, and the answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.domain.attempt_status import AttemptStatus, sql_in
from quizapp.extensions import db
from quizapp.models.types import UTCDateTime, utcnow


class Attempt(db.Model):
    """One timed attempt at a round. The database allows one in progress and numbers them per contestant."""

    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("round_id", "registration_id", "number"),
        CheckConstraint(sql_in("status", AttemptStatus), name="status"),
        CheckConstraint("number > 0", name="number"),
        Index(
            "uq_attempt_one_in_progress", "round_id", "registration_id", unique=True,
            sqlite_where=text(f"status = '{AttemptStatus.IN_PROGRESS}'"),
            postgresql_where=text(f"status = '{AttemptStatus.IN_PROGRESS}'"),
        ),
        Index("ix_attempt_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correct: Mapped[int | None]
    total: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None] = mapped_column(Float)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    prediction: Mapped[int | None] = mapped_column(BigInteger)
    disqualified: Mapped[bool] = mapped_column(Boolean, default=False)
    device_token: Mapped[str] = mapped_column(String(64), default="")
    client_ip: Mapped[str] = mapped_column(String(64), default="")

    round = relationship("Round")
    registration = relationship("Registration")

    @property
    def is_in_progress(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS

    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )


class AttemptQuestion(db.Model):
    """A question as this attempt shows it: its position and the order of its options (frozen at start)."""

    __tablename__ = "attempt_question"
    __table_args__ = (UniqueConstraint("attempt_id", "position"), UniqueConstraint("attempt_id", "question_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int]
    option_order: Mapped[list] = mapped_column(JSON)  # option ids in the order shown

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    question = relationship("Question")


class Answer(db.Model):
    """The option a contestant chose for one question of an attempt (the latest choice counts)."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("attempt_id", "attempt_question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    attempt_question_id: Mapped[int] = mapped_column(ForeignKey("attempt_question.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(ForeignKey("question_option.id", ondelete="RESTRICT"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_seq: Mapped[int] = mapped_column(default=0)
