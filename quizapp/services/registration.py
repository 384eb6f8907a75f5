"""Registering contestants: identity normalised and checked, one account per CCCD and per phone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from quizapp.domain import collation, identity
from quizapp.domain.contest_setup import Category, categories
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Area, Contest, DataRequest, Registration, Track, Unit, User
from quizapp.services import audit

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


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


class RegistrationError(DomainError):
    """Carries the field it is about, so forms can show it in place; `problems` lists every one found at once."""

    def __init__(self, message: str, code: str, field: str = "", problems: list[Problem] | None = None):
        super().__init__(message, code)
        self.field = field
        self.problems = problems or [Problem(field, code, message)]

    @classmethod
    def of(cls, problems: list[Problem]) -> RegistrationError:
        first = problems[0]
        return cls(first.message, first.code, first.field, problems)


def register(contest: Contest, data: RegistrationData, now: datetime, ip: str = "", device_id: str = "") -> Registration:
    """Create the account and its entry in `contest`, or raise RegistrationError naming every problem's field.

    Someone an organiser imported (an account without a password) registers with the same identity to set
    their password: their imported entry is kept.
    """
    person, problems = _person_problems(data, now)
    place, place_problems = _place_problems(contest, data)
    if problems or place_problems:
        raise RegistrationError.of(problems + place_problems)
    area, unit, track = place
    claimed = _claim_imported(contest, person, data, now, place, ip, device_id)
    if claimed is not None:
        return claimed
    user = User(role="contestant", full_name=person.name, name_key=identity.name_key(person.name),
                phone=person.phone, cccd=person.cccd, birth_date=person.birth_date, gender=person.gender,
                email=(data.email or "").strip() or None)
    user.set_password(data.password)
    reg = Registration(contest_id=contest.id, user=user, track_id=track.id, area_id=area.id if area else None,
                       unit_id=unit.id if unit else None, category=data.category, consented_at=now,
                       registered_ip=ip[:64], device_id=device_id[:64])
    _refuse_taken(person)
    db.session.add(reg)
    try:
        db.session.flush()
        audit.record("entry.register", user, now, registration=reg, after=audit.entry_snapshot(reg),
                     reason="Tự đăng ký dự thi")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _refuse_taken(person)  # a parallel registration took it
        raise
    return reg


def problems(contest: Contest, data: RegistrationData, now: datetime) -> list[Problem]:
    """Every problem `register` would refuse before touching the database (a form shows them all at once)."""
    return _person_problems(data, now)[1] + _place_problems(contest, data)[1]


def _person_problems(data: RegistrationData, now: datetime) -> tuple[identity.Person | None, list[Problem]]:
    found = []
    person, identity_problems = identity.check_identity(data.full_name, data.birth_date, data.gender, data.cccd,
                                                        data.phone, now.date(), MIN_AGE)
    found += [Problem(p.field, p.code, p.message) for p in identity_problems]
    if len(data.password or "") < MIN_PASSWORD:
        found.append(Problem("password", "weak_password", f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự."))
    if not data.consent:
        found.append(Problem("consent", "consent", CONSENT_NEEDED))
    return person, found


CONSENT_NEEDED = "Bạn cần đồng ý với việc xử lý dữ liệu cá nhân để đăng ký dự thi."


def _claim_imported(contest: Contest, person: identity.Person, data: RegistrationData, now: datetime, place,
                    ip: str, device_id: str) -> Registration | None:
    """Set the password of an imported account whose CCCD, phone, birth date and gender all match; else None."""
    user = db.session.scalar(select(User).where(User.cccd == person.cccd, User.password_hash == "").with_for_update())
    if user is None or (user.phone, user.birth_date, user.gender) != (person.phone, person.birth_date, person.gender):
        return None
    user.set_password(data.password)
    user.email = user.email or (data.email or "").strip() or None
    reg = registration_for(user.id, contest.id)
    if reg is None:
        area, unit, track = place
        reg = Registration(contest_id=contest.id, user=user, track_id=track.id, area_id=area.id if area else None,
                           unit_id=unit.id if unit else None, category=data.category, consented_at=now,
                           registered_ip=ip[:64], device_id=device_id[:64])
        db.session.add(reg)
        db.session.flush()
    reg.consented_at = now  # their own consent, given now
    audit.record("account.claim", user, now, registration=reg,
                 reason="Người dự thi đặt mật khẩu cho tài khoản do Ban Tổ chức nhập")
    db.session.commit()
    return reg


def join(contest: Contest, user: User, data: RegistrationData, now: datetime, ip: str = "",
         device_id: str = "") -> Registration:
    """An existing account enters another contest: only place, category and consent are asked again."""
    existing = registration_for(user.id, contest.id)
    if existing is not None:
        return existing
    if db.session.scalar(select(DataRequest.id).where(DataRequest.user_id == user.id,
                                                      DataRequest.kind == "deletion").limit(1)) is not None:
        raise RegistrationError("Bạn đã rút lại sự đồng ý xử lý dữ liệu cá nhân nên không thể tham gia cuộc thi mới.",
                                "consent_withdrawn", "consent")
    place, found = _place_problems(contest, data)
    if not data.consent:
        found.append(Problem("consent", "consent", CONSENT_NEEDED))
    if found:
        raise RegistrationError.of(found)
    area, unit, track = place
    reg = Registration(contest_id=contest.id, user_id=user.id, track_id=track.id, area_id=area.id,
                       unit_id=unit.id if unit else None, category=data.category, consented_at=now,
                       registered_ip=ip[:64], device_id=device_id[:64])
    db.session.add(reg)
    try:
        db.session.flush()
    except IntegrityError:  # a parallel join from another tab
        db.session.rollback()
        return registration_for(user.id, contest.id)
    audit.record("entry.register", user, now, registration=reg, after=audit.entry_snapshot(reg),
                 reason="Đăng ký dự thi bằng tài khoản đã có")
    db.session.commit()
    return reg


def contest_categories(contest: Contest) -> list[Category]:
    """Who may register, as the contest words it (the two standard categories unless the organiser set others)."""
    return categories(contest.categories)


def resolve_category(contest: Contest, code: str) -> Category | None:
    """The contest's category for a code; the standard codes "official"/"citizen" (contestant lists use them)
    map to the contest's first category that does or does not require a unit."""
    cats = contest_categories(contest)
    found = next((c for c in cats if c.code == code), None)
    if found is None and code in ("official", "citizen"):
        found = next((c for c in cats if c.unit_required == (code == "official")), None)
    return found


def track_of(contest: Contest, category: Category) -> Track:
    track = db.session.scalar(select(Track).where(Track.contest_id == contest.id, Track.code == category.track))
    return track or db.session.scalar(select(Track).where(Track.contest_id == contest.id).order_by(Track.position))


def _place_problems(contest: Contest, data: RegistrationData) -> tuple[tuple | None, list[Problem]]:
    """(area, unit, track) chosen, or the problems with the category, commune and unit (all of them)."""
    found = []
    category = resolve_category(contest, data.category)
    if category is None:
        found.append(Problem("category", "category", "Vui lòng chọn đối tượng dự thi."))
    else:
        data.category = category.code
    area = db.session.get(Area, data.area_id) if data.area_id else None
    if area is None or area.contest_id != contest.id or area.level != "commune":
        found.append(Problem("area_id", "area", "Vui lòng chọn xã, phường nơi bạn sinh sống hoặc công tác."))
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if unit is not None and unit.contest_id != contest.id:
        found.append(Problem("unit_id", "unit", "Đơn vị không thuộc danh sách của cuộc thi."))
    elif category is not None and category.unit_required and unit is None:
        found.append(Problem("unit_id", "unit",
                             f"Vui lòng chọn đơn vị công tác (bắt buộc với {category.label.lower()})."))
    if found:
        return None, found
    return (area, unit, track_of(contest, category)), []


def selectable_areas(contest: Contest) -> list[Area]:
    """The communes and wards of the contest's tree a contestant may choose, in Vietnamese order."""
    areas = db.session.scalars(select(Area).where(Area.contest_id == contest.id, Area.level == "commune"))
    return collation.sort(areas, lambda a: a.name)


def selectable_units(contest: Contest) -> list[Unit]:
    """The contest's units: agencies first, then communes' committees, each in Vietnamese order."""
    units = db.session.scalars(select(Unit).where(Unit.contest_id == contest.id))
    return sorted(units, key=lambda u: (u.kind != "agency", collation.key(u.name)))


def _refuse_taken(person: identity.Person) -> None:
    """Refuse a CCCD or phone already registered, without saying whose it is."""
    if db.session.scalar(select(User.id).where(User.cccd == person.cccd)):
        raise RegistrationError("Số CCCD này đã được dùng để đăng ký. Mỗi người chỉ được đăng ký một tài khoản; "
                                "nếu đó là bạn, hãy đăng nhập.", "cccd_taken", "cccd")
    if db.session.scalar(select(User.id).where(User.phone == person.phone)):
        raise RegistrationError("Số điện thoại này đã được dùng để đăng ký. Nếu đó là bạn, hãy đăng nhập.",
                                "phone_taken", "phone")


def registration_for(user_id: int, contest_id: int) -> Registration | None:
    return db.session.scalar(select(Registration).where(Registration.user_id == user_id, Registration.contest_id == contest_id))


def contest_ids_of(user_id: int) -> set[int]:
    """The contests this account has entered."""
    return set(db.session.scalars(select(Registration.contest_id).where(Registration.user_id == user_id)))
