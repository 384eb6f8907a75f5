"""Organising bodies; each contest's area tree (province, optional district, commune/ward) and unit tree."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.types import UTCDateTime, utcnow

AREA_LEVELS = ("province", "district", "commune")
UNIT_KINDS = ("agency", "commune_committee", "other")


class OrganizingBody(db.Model):
    """Who runs contests: a province's propaganda board, a Department of Home Affairs, a town's committee."""

    __tablename__ = "organizing_body"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Area(db.Model):
    """An administrative area of one contest's tree, with its official code (loaded per province, or imported)."""

    __tablename__ = "area"
    __table_args__ = (
        CheckConstraint("level IN ('province','district','commune')", name="level"),
        UniqueConstraint("contest_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    division_type: Mapped[str] = mapped_column(String(40), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"), index=True)
    population: Mapped[int | None] = mapped_column(CheckConstraint("population IS NULL OR population >= 0", name="population"))

    parent: Mapped[Area | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Area]] = relationship(back_populates="parent")


class Unit(db.Model):
    """A work unit a contestant belongs to, in one contest's unit list; staff counts give participation rates."""

    __tablename__ = "unit"
    __table_args__ = (
        UniqueConstraint("contest_id", "code"),
        CheckConstraint("kind IN ('agency','commune_committee','other')", name="kind"),
        CheckConstraint("staff_count IS NULL OR staff_count >= 0", name="staff_count"),
        Index("ix_unit_contest_parent", "contest_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(24), default="agency")
    block: Mapped[str] = mapped_column(String(80), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"))
    staff_count: Mapped[int | None]

    parent: Mapped[Unit | None] = relationship(remote_side=[id])
    area: Mapped[Area | None] = relationship()
