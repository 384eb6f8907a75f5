"""The live in-hall contest: sessions (a host on a projector), the players on phones, and their answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.types import UTCDateTime, utcnow


class LiveSession(db.Model):
    """One live session of a contest: its settings, the frozen question list and where the session is now.

    `question_ids` and `tiebreak_ids` are question version ids, frozen when the session is saved (as attempts
    freeze theirs): editing the bank afterwards never changes what the hall sees. `version` grows with every
    step, so a phone can tell a newer state from an older one.
    """

    __tablename__ = "live_session"
    __table_args__ = (
        CheckConstraint("phase IN ('lobby','question','reveal','scoreboard','final')", name="phase"),
        CheckConstraint("scoring_rule IN ('fixed','speed')", name="scoring_rule"),
        CheckConstraint("seconds_per_question > 0", name="seconds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    join_code: Mapped[str] = mapped_column(String(8), unique=True, info={"label": "Mã tham gia"})
    scoring_rule: Mapped[str] = mapped_column(String(16), default="speed")
    base_points: Mapped[int] = mapped_column(default=1000)
    seconds_per_question: Mapped[int] = mapped_column(default=20)
    team_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    teams: Mapped[list] = mapped_column(JSON, default=list)  # team names, in the order shown
    max_team_members: Mapped[int | None]
    require_account: Mapped[bool] = mapped_column(Boolean, default=False)  # players sign in (their account's name)
    question_ids: Mapped[list] = mapped_column(JSON, default=list)
    tiebreak_ids: Mapped[list] = mapped_column(JSON, default=list)
    phase: Mapped[str] = mapped_column(String(16), default="lobby")
    position: Mapped[int] = mapped_column(default=-1)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    remaining_ms: Mapped[int | None] = mapped_column(BigInteger)
    sudden_deaths: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of public_csv, set when published
    public_csv: Mapped[bytes | None] = mapped_column(LargeBinary)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    contest = relationship("Contest")

    @property
    def push_key(self) -> str:
        """What names the session's push channels (services/live_push.py)."""
        return f"{self.id}-{self.join_code}"


class LivePlayer(db.Model):
    """A phone in the hall: a display name (unique in the session), a team, and the hash of its rejoin token."""

    __tablename__ = "live_player"
    __table_args__ = (UniqueConstraint("session_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"))
    display_name: Mapped[str] = mapped_column(String(60), info={"label": "Tên hiển thị"})
    name_key: Mapped[str] = mapped_column(String(60), info={"label": "Tên hiển thị"})
    team: Mapped[str] = mapped_column(String(120), default="", info={"label": "Đội"})
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LiveAnswer(db.Model):
    """A player's one answer to one question of the session, timed by the server when it was accepted."""

    __tablename__ = "live_answer"
    __table_args__ = (
        UniqueConstraint("player_id", "position"),
        CheckConstraint("elapsed_ms >= 0", name="elapsed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("live_player.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"))
    option_id: Mapped[int] = mapped_column(ForeignKey("question_option.id", ondelete="RESTRICT"))
    correct: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    elapsed_ms: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(default=0)
