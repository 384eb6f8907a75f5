"""The question bank: topics, versioned questions and their options."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.types import UTCDateTime, utcnow

QUESTION_STATUSES = ("active", "retired", "superseded")
COLLECTION_KINDS = ("national", "local", "own")
DOCUMENT_STATUSES = ("in_force", "superseded", "local")


class Collection(db.Model):
    """A collection of the bank: the national core, a local plan's questions, or an organising body's own.

    The bank is one library; a contest chooses the topics it draws from, so a local collection is drawn only by
    contests that choose it. An organising body's own collection ("own") is edited by its organisers.
    """

    __tablename__ = "collection"
    __table_args__ = (
        CheckConstraint("kind IN ('national','local','own')", name="kind"),
        CheckConstraint("kind <> 'own' OR owner_body_id IS NOT NULL", name="owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="national")
    description: Mapped[str] = mapped_column(Text, default="")
    owner_body_id: Mapped[int | None] = mapped_column(ForeignKey("organizing_body.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)

    owner_body = relationship("OrganizingBody")
    topics: Mapped[list[Topic]] = relationship(back_populates="collection", order_by="(Topic.position, Topic.title)")


class Topic(db.Model):
    """A topic of the bank (one of the reform areas, leadership, indices, a local plan...), in one collection."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    collection: Mapped[Collection] = relationship(back_populates="topics")


class LegalDocument(db.Model):
    """A document questions rest on; marking it superseded makes `flask bank check` list the questions on it."""

    __tablename__ = "legal_document"
    __table_args__ = (CheckConstraint("status IN ('in_force','superseded','local')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="in_force")
    replaced_by: Mapped[str] = mapped_column(String(255), default="")  # codes joined by "; "
    note: Mapped[str] = mapped_column(Text, default="")


class Question(db.Model):
    """One version of a single-choice question. Editing a used question makes a new version."""

    __tablename__ = "question"
    __table_args__ = (
        CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty"),
        CheckConstraint("status IN ('active','retired','superseded')", name="status"),
        UniqueConstraint("family_id", "version"),
        Index("ix_question_status_topic", "status", "topic_id", "difficulty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int | None] = mapped_column(index=True)  # id of the first version
    version: Mapped[int] = mapped_column(default=1)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")  # text.search_key(text): folded words, for search
    dedup_key: Mapped[str] = mapped_column(String(64), index=True)  # hash of the normalised text
    difficulty: Mapped[int] = mapped_column(default=2)
    explanation: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(String(255), default="")  # LegalDocument codes joined by "; "
    checked_on: Mapped[date | None] = mapped_column(Date)
    style: Mapped[str] = mapped_column(String(16), default="recall")  # or "practical"
    bundled: Mapped[bool] = mapped_column(Boolean, default=False)  # from question_bank/ (kept in line by load_bundled)
    external_id: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topic: Mapped[Topic] = relationship()
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan"
    )

    @property
    def basis_codes(self) -> list[str]:
        return [c.strip() for c in (self.basis or "").split(";") if c.strip()]

    @property
    def correct_option(self) -> QuestionOption | None:
        return next((o for o in self.options if o.is_correct), None)


class QuestionOption(db.Model):
    """An answer option; exactly one per question is correct (checked by the bank service)."""

    __tablename__ = "question_option"
    __table_args__ = (
        UniqueConstraint("question_id", "position"),
        Index(
            "uq_question_option_one_correct", "question_id", unique=True,
            sqlite_where=text("is_correct"), postgresql_where=text("is_correct"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[Question] = relationship(back_populates="options")
