"""A contest's units (agencies, communes' committees): imported from xlsx/CSV, staff counts for participation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from quizapp.domain import collation
from quizapp.domain.contest_setup import UnitDef
from quizapp.domain.errors import DomainError
from quizapp.domain.formats import org_lists
from quizapp.extensions import db
from quizapp.models import Area, Contest, Unit, User
from quizapp.services import audit
from quizapp.services.areas import ListImport


class UnitError(DomainError):
    """A unit operation that cannot be done (Vietnamese message)."""


def apply_units(contest: Contest, rows: list[UnitDef]) -> None:
    """Add or update units by code (parents first); the caller commits."""
    existing = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.contest_id == contest.id))}
    areas = {a.code: a for a in db.session.scalars(select(Area).where(Area.contest_id == contest.id))}
    for row in rows:
        unit = existing.get(row.code)
        if unit is None:
            unit = Unit(contest_id=contest.id, code=row.code)
            db.session.add(unit)
            existing[row.code] = unit
        unit.name, unit.kind, unit.block = row.name, row.kind, row.block or ""
        unit.parent = existing.get(row.parent) if row.parent else None
        unit.area = areas.get(row.area) if row.area else None
        if row.staff_count is not None:
            unit.staff_count = row.staff_count
    db.session.flush()


def import_units(contest: Contest, data: bytes, filename: str, now: datetime, actor: User | None,
                 dry_run: bool = False) -> ListImport:
    """Import units (code, name, kind, block, parent, area, staff count) into the contest; all or nothing."""
    report = ListImport(filename, dry_run=dry_run)
    parsed = org_lists.parse_units(data, filename)
    if parsed.file_error:
        report.file_error = parsed.file_error
        return report
    existing = set(db.session.scalars(select(Unit.code).where(Unit.contest_id == contest.id)))
    area_codes = set(db.session.scalars(select(Area.code).where(Area.contest_id == contest.id)))
    rows, report.problems = org_lists.check_units(parsed.rows, area_codes, existing)
    for row in rows:
        (report.to_update if row.code in existing else report.to_add).append(row)
    if report.blocked or dry_run:
        return report
    apply_units(contest, rows)
    audit.record("units.import", actor, now, contest_id=contest.id,
                 after={"file": filename, "added": len(report.to_add), "updated": len(report.to_update)})
    db.session.commit()
    return report


def set_staff_counts(contest: Contest, values: dict[int, int | None], now: datetime, actor: User | None) -> int:
    """Save staff counts (unit id → number or None) of the contest's own units; returns how many changed."""
    changed = []
    for unit in db.session.scalars(select(Unit).where(Unit.contest_id == contest.id, Unit.id.in_(list(values)))):
        value = values[unit.id]
        if value is not None and not 0 <= value <= 10**7:
            raise UnitError(f"Số cán bộ, công chức, viên chức của {unit.name} phải là số nguyên không âm.",
                            "invalid_staff_count")
        if unit.staff_count != value:
            changed.append({"code": unit.code, "before": unit.staff_count, "after": value})
            unit.staff_count = value
    if changed:
        audit.record("units.staff_count", actor, now, contest_id=contest.id, after={"changed": changed[:200]})
    db.session.commit()
    return len(changed)


def listing(contest: Contest, condition=None) -> list[Unit]:
    """The contest's units by block and in Vietnamese order (limited by `condition`, e.g. a moderator's scope)."""
    query = select(Unit).where(Unit.contest_id == contest.id)
    if condition is not None:
        query = query.where(condition)
    return sorted(db.session.scalars(query), key=lambda u: (collation.key(u.block or "~"), collation.key(u.name)))


def find(contest: Contest, code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.contest_id == contest.id, Unit.code == code))
