"""Contestants an organiser manages: importing a list (all or nothing) and correcting someone's identity data.

Imports go through the same identity checks as registration. An imported account has no password; its owner
sets one by registering with the same CCCD, phone, birth date and gender (see registration.register).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from quizapp.domain import identity
from quizapp.domain.formats import roster
from quizapp.extensions import db
from quizapp.models import Contest, Registration, User
from quizapp.services import audit, registration
from quizapp.services.integrity import ReviewError, require_decider

OUTCOME_LABELS = {
    "new": "Sẽ tạo tài khoản và đăng ký dự thi",
    "existing": "Đã có tài khoản: sẽ đăng ký vào cuộc thi này",
    "already": "Đã đăng ký cuộc thi này từ trước: giữ nguyên",
    "error": "Lỗi",
}
WRITTEN_LABELS = {"new": "Đã tạo tài khoản và đăng ký dự thi", "existing": "Đã đăng ký vào cuộc thi này"}
_CHUNK = 500


@dataclass
class RowResult:
    row: int
    name: str
    outcome: str  # "new", "existing", "already" or "error"
    problems: list[roster.RowProblem] = field(default_factory=list)

    def fail(self, column: str, message: str) -> None:
        self.outcome = "error"
        self.problems.append(roster.RowProblem(column, message))


@dataclass
class ImportReport:
    """What an import found, row by row; `written` once the whole list was saved."""

    filename: str
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    file_error: str = ""
    written: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def blocked(self) -> bool:
        return bool(self.file_error) or self.count("error") > 0

    @property
    def summary(self) -> str:
        if self.file_error:
            return f"Không nhập được tệp {self.filename}: {self.file_error}"
        new, existing, already, errors = (self.count(k) for k in ("new", "existing", "already", "error"))
        if errors:
            return (f"Tệp {self.filename} có {errors}/{len(self.rows)} hàng lỗi. Chưa ghi người nào: "
                    "hãy sửa các hàng lỗi rồi nhập lại cả tệp.")
        verb = "Đã nhập" if self.written else "Có thể nhập"
        return (f"{verb} {new + existing} người từ tệp {self.filename} ({new} tài khoản mới, {existing} tài khoản "
                f"đã có); {already} người đã đăng ký từ trước được giữ nguyên.")

    def label(self, row: RowResult) -> str:
        return (WRITTEN_LABELS if self.written else OUTCOME_LABELS).get(row.outcome, OUTCOME_LABELS[row.outcome])


@dataclass
class _Planned:
    checked: roster.CheckedRow
    result: RowResult
    user: User | None = None
    area_id: int | None = None
    unit_id: int | None = None


# ---------------------------------------------------------------- import


def import_contestants(contest: Contest, data: bytes, filename: str, now: datetime, actor: User | None = None,
                       dry_run: bool = False, actor_name: str = "") -> ImportReport:
    """Check every row; save all of them in one transaction, or none when any row has a problem."""
    require_decider(actor, contest.id)
    parsed = roster.parse(data, filename)
    if parsed.file_error:
        return ImportReport(filename, dry_run, file_error=parsed.file_error)
    report, plan = _check(contest, parsed, filename, dry_run, now.date())
    if report.blocked or dry_run:
        return report
    try:
        _write(contest, plan, filename, now, actor, actor_name)
        db.session.commit()
    except IntegrityError:  # someone registered with one of these CCCDs or phones meanwhile
        db.session.rollback()
        report, _ = _check(contest, parsed, filename, dry_run, now.date())
        if not report.blocked:
            report.file_error = "Có người vừa đăng ký trùng thông tin trong lúc nhập nên chưa ghi ai. Vui lòng nhập lại."
        return report
    report.written = True
    return report


def _check(contest: Contest, parsed: roster.RosterFile, filename: str, dry_run: bool,
           today: date) -> tuple[ImportReport, list[_Planned]]:
    report = ImportReport(filename, dry_run)
    plan: list[_Planned] = []
    for row in parsed.rows:
        result = RowResult(row.row, row.get("full_name"), "new")
        report.rows.append(result)
        checked, problems = roster.check_row(row, today, registration.MIN_AGE)
        for p in problems:
            result.fail(p.column, p.message)
        if checked is not None:
            result.name = checked.person.name
            plan.append(_Planned(checked, result))
    for row_number, problems in roster.repeated_in_file([p.checked for p in plan]).items():
        result = next(r for r in report.rows if r.row == row_number)
        for p in problems:
            result.fail(p.column, p.message)
    plan = [p for p in plan if p.result.outcome != "error"]
    _check_places(contest, plan)
    _check_accounts(contest, plan)
    return report, [p for p in plan if p.result.outcome != "error"]


def _check_places(contest: Contest, plan: list[_Planned]) -> None:
    areas = {a.code: a.id for a in registration.selectable_areas(contest)}
    units = {u.code.upper(): u.id for u in registration.selectable_units(contest)}
    for p in plan:
        c, result = p.checked, p.result
        p.area_id = areas.get(c.area_code)
        if p.area_id is None:
            result.fail(roster.HEADERS["area_code"], f"Mã xã/phường «{c.area_code}» không thuộc địa bàn của cuộc thi.")
        if c.unit_code:
            p.unit_id = units.get(c.unit_code.upper())
            if p.unit_id is None:
                result.fail(roster.HEADERS["unit_code"],
                            f"Mã đơn vị «{c.unit_code}» không có trong danh sách đơn vị của cuộc thi.")
        category = registration.resolve_category(contest, c.category)
        if category is None:
            result.fail(roster.HEADERS["category"], "Cuộc thi không có đối tượng dự thi này.")
        elif category.unit_required and not c.unit_code:
            result.fail(roster.HEADERS["unit_code"], f"{category.label} cần có Mã đơn vị.")


def _check_accounts(contest: Contest, plan: list[_Planned]) -> None:
    """Accounts that already hold these CCCDs or phones: the same person is added, anyone else is an error."""
    by_cccd = _users_by(User.cccd, [p.checked.person.cccd for p in plan])
    by_phone = _users_by(User.phone, [p.checked.person.phone for p in plan])
    user_ids = {u.id for u in (*by_cccd.values(), *by_phone.values())}
    registered = set(db.session.scalars(select(Registration.user_id).where(
        Registration.contest_id == contest.id, Registration.user_id.in_(user_ids)))) if user_ids else set()
    for p in plan:
        person, result = p.checked.person, p.result
        u_cccd, u_phone = by_cccd.get(person.cccd), by_phone.get(person.phone)
        if u_cccd is None and u_phone is None:
            continue
        if u_cccd is not None and u_cccd is u_phone:
            same = (identity.name_key(u_cccd.full_name), u_cccd.birth_date, u_cccd.gender) == (
                identity.name_key(person.name), person.birth_date, person.gender)
            if not same:
                result.fail("", "Số CCCD và số điện thoại này đã có tài khoản với họ tên, ngày sinh hoặc giới tính khác; "
                                "hãy kiểm tra lại thông tin.")
            elif u_cccd.id in registered:
                result.outcome = "already"
            else:
                p.user, result.outcome = u_cccd, "existing"
            continue
        if u_cccd is not None:
            result.fail(roster.HEADERS["cccd"], "Số CCCD này đã được dùng để đăng ký với một số điện thoại khác.")
        if u_phone is not None:
            result.fail(roster.HEADERS["phone"], "Số điện thoại này đã được dùng để đăng ký với một số CCCD khác.")


def _users_by(column, values: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for i in range(0, len(values), _CHUNK):
        for user in db.session.scalars(select(User).where(column.in_(values[i:i + _CHUNK]))):
            found[getattr(user, column.key)] = user
    return found


def _write(contest: Contest, plan: list[_Planned], filename: str, now: datetime, actor: User | None,
           actor_name: str) -> None:
    created = []
    for p in plan:
        if p.result.outcome == "already":
            continue
        c = p.checked
        user = p.user or User(role="contestant", full_name=c.person.name, name_key=identity.name_key(c.person.name),
                              phone=c.person.phone, cccd=c.person.cccd, birth_date=c.person.birth_date,
                              gender=c.person.gender, email=c.email or None, password_hash="")
        category = registration.resolve_category(contest, c.category)
        reg = Registration(contest_id=contest.id, user=user, track_id=registration.track_of(contest, category).id,
                           area_id=p.area_id, unit_id=p.unit_id, category=category.code, consented_at=now,
                           created_at=now)
        db.session.add(reg)
        created.append(reg)
    db.session.flush()
    for reg in created:
        audit.record("entry.import", actor, now, registration=reg, after=audit.entry_snapshot(reg),
                     reason=f"Nhập từ tệp {filename}", actor_name=actor_name)


# ---------------------------------------------------------------- correcting identity data


@dataclass
class IdentityChange:
    full_name: str
    birth_date: date | None
    gender: str
    cccd: str
    phone: str
    email: str = ""


def identity_of(user: User) -> IdentityChange:
    return IdentityChange(user.full_name, user.birth_date, user.gender or "", user.cccd or "", user.phone or "",
                          user.email or "")


def update_identity(registration_id: int, change: IdentityChange, actor: User, now: datetime, reason: str) -> User:
    """Correct an entrant's identity data (same checks as registration); the log keeps before and after."""
    if not (reason or "").strip():
        raise ReviewError("Vui lòng ghi lý do sửa thông tin.", "reason_required")
    reg = db.session.get(Registration, registration_id)
    if reg is None:
        raise ReviewError("Không tìm thấy bài dự thi.", "not_found")
    require_decider(actor, reg.contest_id)
    user = db.session.scalar(select(User).where(User.id == reg.user_id).with_for_update())
    person, problems = identity.check_identity(change.full_name, change.birth_date, change.gender, change.cccd,
                                               change.phone, now.date(), registration.MIN_AGE)
    if problems:
        raise registration.RegistrationError(problems[0].message, problems[0].code, problems[0].field)
    if change.email and not roster.EMAIL.match(change.email.strip()):
        raise registration.RegistrationError("Email không hợp lệ.", "invalid_email", "email")
    _refuse_taken_by_others(user, person)
    fields = audit.IDENTITY_FIELDS
    before = {k: _plain(getattr(user, k)) for k in fields}
    user.full_name, user.name_key = person.name, identity.name_key(person.name)
    user.birth_date, user.gender, user.cccd, user.phone = person.birth_date, person.gender, person.cccd, person.phone
    user.email = (change.email or "").strip() or None
    after = {k: _plain(getattr(user, k)) for k in fields}
    old, new = audit.changes(before, after)
    if not new["_changed"]:
        db.session.rollback()
        raise ReviewError("Không có thông tin nào thay đổi.", "unchanged")
    audit.record("identity.update", actor, now, registration=reg, before=old, after=new, reason=reason.strip())
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise registration.RegistrationError("Số CCCD hoặc số điện thoại này vừa được dùng cho một tài khoản khác.",
                                             "taken", "cccd") from None
    return user


def _refuse_taken_by_others(user: User, person: identity.Person) -> None:
    for column, value, field_name, label in ((User.cccd, person.cccd, "cccd", "Số CCCD"),
                                             (User.phone, person.phone, "phone", "Số điện thoại")):
        if db.session.scalar(select(User.id).where(column == value, User.id != user.id)):
            raise registration.RegistrationError(f"{label} này đã được dùng cho một tài khoản khác.",
                                                 f"{field_name}_taken", field_name)


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value
