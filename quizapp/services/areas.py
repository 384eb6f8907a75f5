"""Loading area trees: a province's current communes and wards from the vietnam-provinces package."""
from __future__ import annotations

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Area


def load_province(province_code: int) -> Area:
    """Create (or complete) the province and its communes/wards; returns the province. Idempotent."""
    from vietnam_provinces import Province, ProvinceCode, Ward

    prov = Province.from_code(ProvinceCode(province_code))
    wards = [w for w in Ward.iter_all() if w.province_code == prov.code]
    codes = [_province_code(prov.code), *(_ward_code(w.code) for w in wards)]
    existing = {a.code: a for a in db.session.scalars(select(Area).where(Area.code.in_(codes)))}
    root = existing.get(codes[0])
    if root is None:
        root = Area(code=_province_code(prov.code), name=prov.name, level="province", division_type=prov.division_type.value)
        db.session.add(root)
        db.session.flush()
    for ward in wards:
        if _ward_code(ward.code) in existing:
            continue
        db.session.add(Area(
            code=_ward_code(ward.code), name=ward.name, level="commune",
            division_type=ward.division_type.value, parent_id=root.id,
        ))
    db.session.flush()
    return root


def _province_code(code) -> str:
    return f"{int(code):02d}"


def _ward_code(code) -> str:
    return f"{int(code):05d}"


def children(area_id: int) -> list[Area]:
    return list(db.session.scalars(select(Area).where(Area.parent_id == area_id).order_by(Area.name)))
