"""Registering contestants: identity normalised and checked, one account per CCCD and per phone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from quizapp.domain import identity
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Area, Contest, Registration, Track, Unit, User

CATEGORIES = {"official": "officials", "citizen": "citizens"}
CATEGORY_LABELS = {"official": "Cán bộ, công chức, viên chức, người lao động", "citizen": "Người dân"}
MIN_AGE = 18
MIN_PASSWORD = 8


@dataclass
class RegistrationData:
    full_name: str
    birth_date: date | None
    gender: str
    cccd: str
    phone: str
    email: str
    area_id: int | None
    unit_id: int | None
    category: str
    password: str
    consent: bool


class RegistrationError(DomainError):
    """Carries the field it is about, so forms can show it in place."""

    def __init__(self, message: str, code: str, field: str = ""):
        super().__init__(message, code)
        self.field = field


def register(contest: Contest, data: RegistrationData, now: datetime, ip: str = "", device_id: str = "") -> Registration:
    """Create the account and its entry in `contest`, or raise RegistrationError naming the field."""
    person = _checked_person(data, now)
    area, unit, track = _checked_place(contest, data)
    user = User(role="contestant", full_name=person["name"], name_key=identity.name_key(person["name"]),
                phone=person["phone"], cccd=person["cccd"], birth_date=data.birth_date, gender=data.gender,
                email=(data.email or "").strip() or None)
    user.set_password(data.password)
    reg = Registration(contest_id=contest.id, user=user, track_id=track.id, area_id=area.id if area else None,
                       unit_id=unit.id if unit else None, category=data.category, consented_at=now,
                       registered_ip=ip[:64], device_id=device_id[:64])
    _refuse_taken(person)
    db.session.add(reg)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _refuse_taken(person)  # a parallel registration took it
        raise
    return reg


def _checked_person(data: RegistrationData, now: datetime) -> dict:
    if not data.consent:
        raise RegistrationError("Bạn cần đồng ý với việc xử lý dữ liệu cá nhân để đăng ký dự thi.", "consent", "consent")
    if len(data.password or "") < MIN_PASSWORD:
        raise RegistrationError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.", "weak_password", "password")
    if data.birth_date is None:
        raise RegistrationError("Vui lòng nhập ngày sinh.", "birth_date", "birth_date")
    if _age(data.birth_date, now.date()) < MIN_AGE:
        raise RegistrationError(f"Người dự thi phải từ đủ {MIN_AGE} tuổi trở lên.", "too_young", "birth_date")
    person = {}
    for field, fn in (("full_name", identity.normalize_name), ("cccd", identity.normalize_cccd),
                      ("phone", identity.normalize_phone)):
        try:
            person[{"full_name": "name"}.get(field, field)] = fn(getattr(data, field))
        except DomainError as e:
            raise RegistrationError(e.message, e.code, field) from None
    try:
        identity.validate_cccd(person["cccd"], data.birth_date, data.gender)
    except DomainError as e:
        raise RegistrationError(e.message, e.code, "cccd") from None
    except ValueError:
        raise RegistrationError("Vui lòng chọn giới tính.", "gender", "gender") from None
    return person


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _checked_place(contest: Contest, data: RegistrationData) -> tuple[Area | None, Unit | None, Track]:
    if data.category not in CATEGORIES:
        raise RegistrationError("Vui lòng chọn đối tượng dự thi.", "category", "category")
    track = db.session.scalar(select(Track).where(Track.contest_id == contest.id, Track.code == CATEGORIES[data.category]))
    track = track or db.session.scalar(select(Track).where(Track.contest_id == contest.id).order_by(Track.position))
    area = db.session.get(Area, data.area_id) if data.area_id else None
    if area is None or area.id not in contest_area_ids(contest):
        raise RegistrationError("Vui lòng chọn xã, phường nơi bạn sinh sống hoặc công tác.", "area", "area_id")
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if unit is not None and unit.contest_id != contest.id:
        raise RegistrationError("Đơn vị không thuộc danh sách của cuộc thi.", "unit", "unit_id")
    if data.category == "official" and unit is None:
        raise RegistrationError("Cán bộ, công chức, viên chức vui lòng chọn đơn vị công tác.", "unit", "unit_id")
    return area, unit, track


def contest_area_ids(contest: Contest) -> set[int]:
    """Ids of the areas below the contest's root (the communes and wards a contestant may choose)."""
    return {a.id for a in selectable_areas(contest)}


def selectable_areas(contest: Contest) -> list[Area]:
    """The lowest level of the contest's area tree (communes and wards), by name."""
    if contest.area_root_id is None:
        return []
    level, frontier = [], [contest.area_root_id]
    while frontier:
        children = list(db.session.scalars(select(Area).where(Area.parent_id.in_(frontier))))
        level.extend(a for a in children if a.level == "commune")
        frontier = [a.id for a in children if a.level != "commune"]
    return sorted(level, key=lambda a: identity.name_key(a.name))


def selectable_units(contest: Contest) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.contest_id == contest.id).order_by(Unit.kind, Unit.name)))


def _refuse_taken(person: dict) -> None:
    """Refuse a CCCD or phone already registered, without saying whose it is."""
    if db.session.scalar(select(User.id).where(User.cccd == person["cccd"])):
        raise RegistrationError("Số CCCD này đã được dùng để đăng ký. Mỗi người chỉ được đăng ký một tài khoản; "
                                "nếu đó là bạn, hãy đăng nhập.", "cccd_taken", "cccd")
    if db.session.scalar(select(User.id).where(User.phone == person["phone"])):
        raise RegistrationError("Số điện thoại này đã được dùng để đăng ký. Nếu đó là bạn, hãy đăng nhập.",
                                "phone_taken", "phone")


def registration_for(user_id: int, contest_id: int) -> Registration | None:
    return db.session.scalar(select(Registration).where(Registration.user_id == user_id, Registration.contest_id == contest_id))
