"""What a person asks about their own personal data (Decree 13/2023/NĐ-CP): corrections and deletion."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.types import UTCDateTime, utcnow

DATA_REQUEST_KINDS = ("correction", "deletion")
DATA_REQUEST_STATUSES = ("open", "done")


class DataRequest(db.Model):
    """A person's request about their data.

    "correction": name, CCCD, birth date or gender are wrong (`fields`, and `message` says what is right); the
    contest's organisers apply it on the identity page and mark it done. "deletion": consent withdrawn and
    deletion asked; from then on no new attempt starts, and `flask contestants anonymise-requested` anonymises
    the account once every contest of the person has final results (status "done", `anonymised_at` set).
    """

    __tablename__ = "data_request"
    __table_args__ = (
        CheckConstraint("kind IN ('correction','deletion')", name="kind"),
        CheckConstraint("status IN ('open','done')", name="status"),
        Index("ix_data_request_kind_status", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    fields: Mapped[list] = mapped_column(JSON, default=list)  # correction: which identity fields are wrong
    message: Mapped[str] = mapped_column(Text, default="")  # in the person's words; cleared on anonymisation
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
