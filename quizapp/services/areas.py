"""A contest's area tree: a province's current communes and wards (vietnam-provinces), or a tree an organiser
imports (a legacy district → commune tree, or their own grouping); populations for participation rates.

Every contest has its own tree, so one organiser's edits never change another contest's boards.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from quizapp.domain import collation
from quizapp.domain.contest_setup import AreaDef
from quizapp.domain.errors import DomainError
from quizapp.domain.formats import org_lists
from quizapp.extensions import db
from quizapp.models import Area, Contest, Registration, User
from quizapp.services import audit


class AreaError(DomainError):
    """An area operation that cannot be done (Vietnamese message)."""


def provinces() -> list[tuple[str, str]]:
    """The 34 provinces and cities (code, name), in Vietnamese order."""
    from vietnam_provinces import Province

    return sorted(((f"{int(p.code):02d}", p.name) for p in Province.iter_all()), key=lambda p: collation.key(p[1]))


def province_name(code: str) -> str:
    return dict(provinces()).get(code, "")


def _province_areas(province_code: str) -> list[AreaDef]:
    """The province and its current communes, wards and special zones, from vietnam-provinces."""
    from vietnam_provinces import Province, ProvinceCode, Ward

    try:
        prov = Province.from_code(ProvinceCode(int(province_code)))
    except (ValueError, KeyError):
        raise AreaError(f"Không có tỉnh, thành phố mã «{province_code}» trong danh mục 34 tỉnh, thành phố.",
                        "unknown_province") from None
    root = AreaDef(f"{int(prov.code):02d}", prov.name, "province", None, None, prov.division_type.value)
    wards = [AreaDef(f"{int(w.code):05d}", w.name, "commune", root.code, None, w.division_type.value)
             for w in Ward.iter_all() if w.province_code == prov.code]
    return [root, *wards]


def load_province(contest: Contest, province_code: str) -> Area:
    """Create (or complete) the contest's tree from the province's current communes; idempotent. Returns the root."""
    root = apply_tree(contest, _province_areas(province_code))
    contest.province_code = root.code
    if contest.area_root_id is None:
        contest.area_root_id = root.id
    db.session.flush()
    return root


def reload_province(contest: Contest, now: datetime, actor: User | None) -> Area:
    """Add the province's communes the contest does not have yet (after a correction of the official list)."""
    root = load_province(contest, contest.province_code)
    audit.record("areas.load_province", actor, now, contest_id=contest.id, after={"province": contest.province_code})
    db.session.commit()
    return root


def apply_tree(contest: Contest, rows: list[AreaDef]) -> Area:
    """Add or update areas by code (parents first); returns the top area of `rows`. The caller commits."""
    existing = {a.code: a for a in db.session.scalars(select(Area).where(Area.contest_id == contest.id))}
    top = None
    for row in rows:
        area = existing.get(row.code)
        parent = existing.get(row.parent) if row.parent else None
        if area is None:
            area = Area(contest_id=contest.id, code=row.code)
            db.session.add(area)
            existing[row.code] = area
        area.name, area.level, area.parent = row.name, row.level, parent
        area.division_type = row.division_type or area.division_type or ""
        if row.population is not None:
            area.population = row.population
        top = top or area
    db.session.flush()
    if contest.area_root_id is None and top is not None and top.parent is None:
        contest.area_root_id = top.id
    return top


@dataclass
class ListImport:
    """What importing a list found and did (areas or units); nothing is written when `problems` is not empty."""

    filename: str
    file_error: str = ""
    problems: list[org_lists.RowProblem] = field(default_factory=list)
    to_add: list = field(default_factory=list)
    to_update: list = field(default_factory=list)
    dry_run: bool = False

    @property
    def blocked(self) -> bool:
        return bool(self.file_error or self.problems)

    @property
    def summary(self) -> str:
        if self.file_error:
            return f"Không nhập được tệp {self.filename}: {self.file_error}"
        if self.problems:
            return (f"Tệp {self.filename} có {len(self.problems)} lỗi; chưa ghi gì. "
                    "Hãy sửa các lỗi dưới đây rồi tải tệp lên lại.")
        verb = "Sẽ" if self.dry_run else "Đã"
        return f"{self.filename}: {verb} thêm {len(self.to_add)}, {verb.lower()} cập nhật {len(self.to_update)}."


def import_areas(contest: Contest, data: bytes, filename: str, now: datetime, actor: User | None,
                 dry_run: bool = False) -> ListImport:
    """Import an area tree (code, name, parent code, level, population) into the contest; all or nothing."""
    report = ListImport(filename, dry_run=dry_run)
    parsed = org_lists.parse_areas(data, filename)
    if parsed.file_error:
        report.file_error = parsed.file_error
        return report
    existing = set(db.session.scalars(select(Area.code).where(Area.contest_id == contest.id)))
    rows, report.problems = org_lists.check_areas(parsed.rows, existing)
    for row in rows:
        (report.to_update if row.code in existing else report.to_add).append(row)
    if report.blocked or dry_run:
        return report
    apply_tree(contest, rows)
    audit.record("areas.import", actor, now, contest_id=contest.id,
                 after={"file": filename, "added": len(report.to_add), "updated": len(report.to_update)})
    db.session.commit()
    return report


def set_populations(contest: Contest, values: dict[int, int | None], now: datetime, actor: User | None) -> int:
    """Save populations (area id → number or None); only the contest's own areas; returns how many changed."""
    changed = []
    for area in db.session.scalars(select(Area).where(Area.contest_id == contest.id, Area.id.in_(list(values)))):
        value = values[area.id]
        if value is not None and not 0 <= value <= 10**9:
            raise AreaError(f"Số người của {area.name} phải là số nguyên không âm.", "invalid_population")
        if area.population != value:
            changed.append({"code": area.code, "before": area.population, "after": value})
            area.population = value
    if changed:
        audit.record("areas.population", actor, now, contest_id=contest.id, after={"changed": changed[:200]})
    db.session.commit()
    return len(changed)


def tree(contest: Contest, condition=None) -> list[tuple[Area, int]]:
    """The contest's areas (those `condition` allows), each with its depth, parents first, in Vietnamese order."""
    query = select(Area).where(Area.contest_id == contest.id)
    areas = list(db.session.scalars(query.where(condition) if condition is not None else query))
    ids = {a.id for a in areas}
    children: dict[int | None, list[Area]] = {}
    for a in areas:
        children.setdefault(a.parent_id if a.parent_id in ids else None, []).append(a)
    out: list[tuple[Area, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for a in sorted(children.get(parent_id, []), key=lambda a: collation.key(a.name)):
            out.append((a, depth))
            walk(a.id, depth + 1)

    walk(None, 0)
    return out


def children(area_id: int) -> list[Area]:
    return sorted(db.session.scalars(select(Area).where(Area.parent_id == area_id)), key=lambda a: collation.key(a.name))


def registered_per_area(contest: Contest) -> dict[int, int]:
    return dict(db.session.execute(select(Registration.area_id, func.count()).where(
        Registration.contest_id == contest.id).group_by(Registration.area_id)).all())


def find(contest: Contest, code: str) -> Area | None:
    return db.session.scalar(select(Area).where(Area.contest_id == contest.id, Area.code == code))
