"""Contests, their tracks and rounds."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.domain.attempt_status import sql_in
from quizapp.domain.counting import CountingRule
from quizapp.domain.ranking import PredictionMode
from quizapp.extensions import db
from quizapp.models.types import UTCDateTime, utcnow

ROUND_KINDS = ("weekly", "practice")


class Contest(db.Model):
    """A contest run by one organiser (a province, town or agency)."""

    __tablename__ = "contest"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    organizing_body_id: Mapped[int] = mapped_column(ForeignKey("organizing_body.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rules_text: Mapped[str] = mapped_column(Text, default="")
    province_code: Mapped[str] = mapped_column(String(2), default="")  # one of the 34 (vietnam-provinces codes)
    area_root_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL", use_alter=True, name="fk_contest_area_root_id_area"))
    group_level: Mapped[str] = mapped_column(String(16), default="commune")
    categories: Mapped[list] = mapped_column(JSON, default=list)  # see domain/contest_setup.py; [] = the defaults
    min_participation_rate: Mapped[float] = mapped_column(default=0.5)
    prize_config: Mapped[dict | None] = mapped_column(JSON)  # see domain/prizes.py; None: no prizes set
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organizing_body = relationship("OrganizingBody")
    area_root = relationship("Area", foreign_keys=[area_root_id], post_update=True)
    tracks: Mapped[list[Track]] = relationship(back_populates="contest", order_by="Track.position",
                                               cascade="all, delete-orphan")
    rounds: Mapped[list[Round]] = relationship(back_populates="contest", order_by="Round.number",
                                               cascade="all, delete-orphan")
    topic_links: Mapped[list[ContestTopic]] = relationship(back_populates="contest", cascade="all, delete-orphan")

    @property
    def organizer_name(self) -> str:
        return self.organizing_body.name if self.organizing_body else ""


class ContestTopic(db.Model):
    """A topic of the bank this contest draws from: for its ranked rounds, or for its practice round.

    A topic serves one of the two, so practice never shows the key of a question a ranked round may draw.
    """

    __tablename__ = "contest_topic"
    __table_args__ = (CheckConstraint("use IN ('ranked','practice')", name="use"),)

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True)
    use: Mapped[str] = mapped_column(String(16), default="ranked")

    contest: Mapped[Contest] = relationship(back_populates="topic_links")
    topic = relationship("Topic")


class Track(db.Model):
    """A track with its own prizes (officials, citizens)."""

    __tablename__ = "track"
    __table_args__ = (UniqueConstraint("contest_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    contest: Mapped[Contest] = relationship(back_populates="tracks")


class Round(db.Model):
    """A weekly round (or the practice round) with its window and rules."""

    __tablename__ = "round"
    __table_args__ = (
        UniqueConstraint("contest_id", "number"),
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("question_count > 0", name="question_count"),
        CheckConstraint("time_limit_seconds > 0", name="time_limit"),
        CheckConstraint("attempts_allowed IS NULL OR attempts_allowed > 0", name="attempts_allowed"),
        CheckConstraint(sql_in("counting_rule", CountingRule), name="counting_rule"),
        CheckConstraint("kind IN ('weekly','practice')", name="kind"),
        CheckConstraint(
            "prediction_mode IS NULL OR " + sql_in("prediction_mode", PredictionMode),
            name="prediction_mode",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="weekly")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    question_count: Mapped[int] = mapped_column(default=20)
    time_limit_seconds: Mapped[int] = mapped_column(default=20 * 60)
    attempts_allowed: Mapped[int | None]  # None: unlimited
    counting_rule: Mapped[str] = mapped_column(String(24), default=CountingRule.BEST)
    blueprint: Mapped[list] = mapped_column(JSON, default=list)
    track_blueprints: Mapped[dict] = mapped_column(JSON, default=dict)
    prediction_mode: Mapped[str | None] = mapped_column(String(24))
    prediction_question: Mapped[str] = mapped_column(Text, default="")
    single_device: Mapped[bool] = mapped_column(Boolean, default=False)
    prize_config: Mapped[dict | None] = mapped_column(JSON)  # overrides the contest's, part by part

    contest: Mapped[Contest] = relationship(back_populates="rounds")

    @property
    def is_practice(self) -> bool:
        return self.kind == "practice"

    @property
    def time_limit_minutes(self) -> int:
        return self.time_limit_seconds // 60

    @property
    def is_ranked(self) -> bool:
        return self.kind != "practice"
