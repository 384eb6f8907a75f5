"""Leaderboard aggregates kept as attempts finish, and the computed, reviewed and published results."""
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
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.types import UTCDateTime, utcnow

# The columns a board is ordered by, after its filters; see services/leaderboard/boards.py for how they are read.
_ROUND_ORDER = ("correct", "prediction", "duration_ms", "submitted_at", "attempt_id")
_CONTEST_ORDER = ("correct", "duration_ms", "last_submitted_at", "registration_id")


class CountedEntry(db.Model):
    """A contestant's entry in a ranked round: the attempt the round's counting rule picks, with what ranking needs.

    One row per (round, registration) that finished an attempt; `correct` is NULL when no attempt counts
    (e.g. no perfect attempt under "earliest perfect"), so the row counts for participation but not for
    ranking. Disqualified registrations have no row. Kept by services/leaderboard_store.py inside the grading
    transaction; `prediction` is NULL when the round asks no prediction question.
    """

    __tablename__ = "counted_entry"
    __table_args__ = (
        UniqueConstraint("round_id", "registration_id"),
        Index("ix_counted_entry_board", "round_id", "track_id", *_ROUND_ORDER),
        Index("ix_counted_entry_board_area", "round_id", "track_id", "group_area_id", *_ROUND_ORDER),
        Index("ix_counted_entry_board_unit", "round_id", "track_id", "unit_id", *_ROUND_ORDER),
        Index("ix_counted_entry_round_perfect", "round_id", "perfect"),  # the prediction answer, counted
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="CASCADE"))
    group_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(default=0)  # finished attempts that were not voided
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="SET NULL"))
    correct: Mapped[int | None]
    total: Mapped[int | None]
    score: Mapped[float | None] = mapped_column(Float)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    prediction: Mapped[int | None] = mapped_column(BigInteger)
    perfect: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContestEntry(db.Model):
    """A contestant's counted entries summed over the contest's ranked rounds (the contest-wide board)."""

    __tablename__ = "contest_entry"
    __table_args__ = (
        UniqueConstraint("contest_id", "registration_id"),
        Index("ix_contest_entry_board", "contest_id", "track_id", *_CONTEST_ORDER),
        Index("ix_contest_entry_board_area", "contest_id", "track_id", "group_area_id", *_CONTEST_ORDER),
        Index("ix_contest_entry_board_unit", "contest_id", "track_id", "unit_id", *_CONTEST_ORDER),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="CASCADE"))
    group_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    rounds: Mapped[int] = mapped_column(default=0)  # rounds with a counted attempt
    attempts: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int | None]  # NULL when no round counts
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    perfect: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


RESULT_STATUSES = ("draft", "approved", "published", "superseded")


class ResultSet(db.Model):
    """One version of a round's results: computed (draft), approved, published (frozen), or superseded.

    A round has at most one published version and at most one version being prepared. A correction is a
    new version published with a reason; the one it replaces stays readable as superseded.
    """

    __tablename__ = "result_set"
    __table_args__ = (
        UniqueConstraint("round_id", "version"),
        CheckConstraint("status IN ('draft','approved','published','superseded')", name="status"),
        Index("uq_result_set_one_published", "round_id", unique=True,
              sqlite_where=text("status = 'published'"), postgresql_where=text("status = 'published'")),
        Index("uq_result_set_one_open", "round_id", unique=True,
              sqlite_where=text("status IN ('draft','approved')"),
              postgresql_where=text("status IN ('draft','approved')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    prediction_actual: Mapped[int | None] = mapped_column(BigInteger)
    ranked_count: Mapped[int] = mapped_column(default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # tables, distribution, collective prizes
    reason: Mapped[str] = mapped_column(Text, default="")  # why this version corrects the previous one
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("result_set.id", ondelete="SET NULL"))
    digest: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of public_csv, set when published
    public_csv: Mapped[bytes | None] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    round = relationship("Round")


class ResultEntry(db.Model):
    """A ranked contestant in one result version, with the values shown and exported frozen at computation."""

    __tablename__ = "result_entry"
    __table_args__ = (
        UniqueConstraint("result_set_id", "track_id", "rank"),
        UniqueConstraint("result_set_id", "registration_id"),
        CheckConstraint("prize IS NULL OR prize IN ('first','second','third','consolation')", name="prize"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_set_id: Mapped[int] = mapped_column(ForeignKey("result_set.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="CASCADE"))
    rank: Mapped[int]
    prize: Mapped[str | None] = mapped_column(String(16))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id", ondelete="SET NULL"))
    attempt_id: Mapped[int] = mapped_column(Integer)  # kept as a number: the snapshot outlives the attempt
    full_name: Mapped[str] = mapped_column(String(120))
    track_name: Mapped[str] = mapped_column(String(120))
    area_code: Mapped[str] = mapped_column(String(16), default="")
    area_name: Mapped[str] = mapped_column(String(200), default="")
    unit_name: Mapped[str] = mapped_column(String(255), default="")
    correct: Mapped[int]
    total: Mapped[int]
    score: Mapped[float] = mapped_column(Float)
    prediction: Mapped[int | None] = mapped_column(BigInteger)
    prediction_error: Mapped[int | None] = mapped_column(BigInteger)
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    flags: Mapped[str] = mapped_column(String(200), default="")  # flag codes separated by ";"
    # The certificate's verification code (domain/certificates.py), set when the version is published.
    certificate_code: Mapped[str | None] = mapped_column(String(16), unique=True)


REVIEW_DECISIONS = ("accepted", "disqualified")


class EntryReview(db.Model):
    """An organiser's decision on a flagged attempt; it outlives recomputations of the draft."""

    __tablename__ = "entry_review"
    __table_args__ = (
        UniqueConstraint("attempt_id"),
        CheckConstraint("decision IN ('accepted','disqualified')", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
