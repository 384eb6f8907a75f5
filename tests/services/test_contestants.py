"""Importing contestants (all or nothing, same checks as registration), claiming an imported account,
correcting identity data; every change is in the audit log."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Area, AuditLog, Registration, Unit, User
from quizapp.services import accounts, contestants, registration
from tests.factories import make_contest, make_staff, register_contestant

HEADER = "Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Email,Mã xã/phường,Mã đơn vị,Đối tượng"
AN = "Nguyễn Văn An,17/05/1990,Nam,001090000101,0912000101,,X-1,,Người dân"
BINH = "Trần Thị Bình,02/03/1988,Nữ,001188000102,+84 912 000 102,binh@example.vn,X-2,SNV,"
CUONG = 'Lê Văn Cường,11/11/1975,nam,036075000103,0912.000.103,,X-1,STP,"Cán bộ, công chức"'


def csv_file(*rows: str) -> bytes:
    return "\n".join((HEADER,) + rows).encode("utf-8")


@pytest.fixture
def contest(db_session, now):
    contest = make_contest(now)
    root = Area(contest_id=contest.id, code="P-X", name="Tỉnh X", level="province")
    root.children = [Area(contest_id=contest.id, code=f"X-{i}", name=f"Xã {i}", level="commune") for i in (1, 2, 3)]
    db.session.add(root)
    db.session.flush()
    contest.area_root_id = root.id
    db.session.add_all([Unit(contest_id=contest.id, code="SNV", name="Sở Nội vụ"),
                        Unit(contest_id=contest.id, code="STP", name="Sở Tư pháp")])
    db.session.commit()
    return contest


@pytest.fixture
def organizer(db_session, contest):
    return make_staff("btc", "organizer", [contest])


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_valid_list_is_imported_with_every_identity_normalised(contest, now, organizer):
    report = contestants.import_contestants(contest, csv_file(AN, BINH, CUONG), "ds.csv", now, organizer)
    assert not report.blocked and report.written and report.count("new") == 3
    assert "Đã nhập 3 người" in report.summary
    binh = db.session.scalar(select(User).where(User.cccd == "001188000102"))
    assert (binh.full_name, binh.phone, binh.gender, binh.password_hash) == ("Trần Thị Bình", "0912000102", "nu", "")
    reg = db.session.scalar(select(Registration).where(Registration.user_id == binh.id))
    assert (reg.category, reg.unit.code, reg.track.code, reg.area.code) == ("official", "SNV", "officials", "X-2")
    logs = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "entry.import")))
    assert len(logs) == 3 and {log.actor_id for log in logs} == {organizer.id}
    assert all("*" in log.after["cccd"] and log.after["cccd"] != "001188000102" for log in logs)


def test_one_bad_row_means_nobody_is_written_and_every_row_is_reported(contest, now, organizer):
    bad = "Phạm Văn Dũng,01/01/1990,Nam,001191000104,0912000104,,X-9,XYZ,"  # CCCD says a woman; unknown codes
    report = contestants.import_contestants(contest, csv_file(AN, bad, BINH), "ds.csv", now, organizer)
    assert report.blocked and not report.written
    assert [r.outcome for r in report.rows] == ["new", "error", "new"]
    assert [r.row for r in report.rows] == [2, 3, 4]
    messages = " ".join(p.message for p in report.rows[1].problems)
    assert "Chữ số thứ 4" in messages
    assert "Chưa ghi người nào" in report.summary and "1/3 hàng lỗi" in report.summary
    assert _count(User) == 1 and _count(Registration) == 0  # only the organizer


def test_unknown_codes_are_reported_once_identity_is_right(contest, now, organizer):
    row = "Phạm Văn Dũng,01/01/1990,Nam,001090000104,0912000104,,X-9,XYZ,"
    (result,) = contestants.import_contestants(contest, csv_file(row), "ds.csv", now, organizer).rows
    columns = {p.column: p.message for p in result.problems}
    assert "không thuộc địa bàn" in columns["Mã xã/phường"] and "không có trong danh sách" in columns["Mã đơn vị"]


def test_a_dry_run_reports_without_writing(contest, now):
    report = contestants.import_contestants(contest, csv_file(AN, BINH), "ds.csv", now, dry_run=True)
    assert not report.blocked and not report.written and "Có thể nhập 2 người" in report.summary
    assert _count(Registration) == 0


def test_importing_the_same_list_again_changes_nothing(contest, now):
    contestants.import_contestants(contest, csv_file(AN, BINH), "ds.csv", now)
    report = contestants.import_contestants(contest, csv_file(AN, BINH), "ds.csv", now + timedelta(days=1))
    assert not report.blocked and report.count("already") == 2
    assert _count(Registration) == 2 and _count(User) == 2


def test_someone_with_an_account_from_another_contest_is_added_to_this_one(contest, now):
    other = make_contest(now, slug="khac")
    root = Area(contest_id=other.id, code="P-X", name="Tỉnh X", level="province")
    root.children = [Area(contest_id=other.id, code=f"X-{i}", name=f"Xã {i}", level="commune") for i in (1, 2, 3)]
    db.session.add(root)
    db.session.flush()
    other.area_root_id = root.id  # each contest has its own tree; the codes are the same official ones
    db.session.commit()
    contestants.import_contestants(other, csv_file(AN), "ds.csv", now)
    report = contestants.import_contestants(contest, csv_file(AN), "ds.csv", now)
    assert report.count("existing") == 1 and _count(User) == 1 and _count(Registration) == 2


def test_a_cccd_or_phone_taken_by_someone_else_is_refused_without_saying_whose(contest, now):
    register_contestant(contest, now, n=5, full_name="Đỗ Thị Hoa", cccd="001090000101", phone="0987000005")
    report = contestants.import_contestants(contest, csv_file(AN), "ds.csv", now)
    assert report.blocked
    text = " ".join(p.message for p in report.rows[0].problems)
    assert "đã được dùng để đăng ký" in text and "Hoa" not in text and "0987000005" not in text


def test_the_same_person_twice_in_one_file_is_an_error(contest, now):
    twice = AN.replace("Nguyễn Văn An", "Nguyễn Văn Ân").replace("0912000101", "0912000199")
    report = contestants.import_contestants(contest, csv_file(AN, twice), "ds.csv", now)
    assert report.blocked and "trùng với hàng 2" in report.rows[1].problems[0].message


def test_an_imported_person_sets_a_password_by_registering_with_the_same_identity(contest, now):
    contestants.import_contestants(contest, csv_file(AN), "ds.csv", now)
    with pytest.raises(DomainError) as e:  # no password yet
        accounts.authenticate("0912000101", "matkhau123")
    assert e.value.code == "password_not_set" and "Đăng ký dự thi" in e.value.message
    imported = db.session.scalar(select(Registration))
    data = registration.RegistrationData(
        full_name="Nguyễn Văn An", birth_date=date(1990, 5, 17), gender="nam", cccd="001 090 000 101",
        phone="+84912000101", email="an@example.vn", area_id=contest_areas(contest)[0], unit_id=None,
        category="citizen", password="matkhau-moi", consent=True)
    # someone who knows only the CCCD cannot take the account over
    other = registration.RegistrationData(**{**data.__dict__, "phone": "0912999999", "password": "khac12345"})
    with pytest.raises(registration.RegistrationError) as e:
        registration.register(contest, other, now + timedelta(days=1))
    assert e.value.code == "cccd_taken"
    reg = registration.register(contest, data, now + timedelta(days=1))
    assert reg.id == imported.id and _count(Registration) == 1
    assert accounts.authenticate("0912000101", "matkhau-moi").id == reg.user_id
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "account.claim"))


def contest_areas(contest) -> list[int]:
    return [a.id for a in registration.selectable_areas(contest)]


def test_registration_is_logged(contest, now):
    reg = register_contestant(contest, now)
    log = db.session.scalar(select(AuditLog).where(AuditLog.registration_id == reg.id))
    assert log.action == "entry.register" and log.actor_id == reg.user_id
    assert log.after["cccd"].count("*") == 9 and log.after["phone"].startswith("0")


# ---------------------------------------------------------------- correcting identity data


def _change(user, **kw):
    values = contestants.identity_of(user).__dict__ | kw
    return contestants.IdentityChange(**values)


def test_an_organizer_corrects_identity_and_the_log_names_the_fields_without_their_values(contest, now, organizer):
    reg = register_contestant(contest, now, full_name="Nguyen Van An")
    user = reg.user
    contestants.update_identity(reg.id, _change(user, full_name="nguyễn văn an", phone="0912 888 777"), organizer,
                                now, "Người dự thi gọi điện xin sửa tên có dấu và số điện thoại mới")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.full_name, user.name_key, user.phone) == ("Nguyễn Văn An", "nguyen van an", "0912888777")
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "identity.update"))
    assert log.actor_id == organizer.id and log.reason.startswith("Người dự thi gọi điện")
    assert log.after == {"_changed": ["full_name", "phone"]} and log.before == {}  # which fields, never values


def test_identity_corrections_get_the_registration_checks(contest, now, organizer):
    reg = register_contestant(contest, now)
    other = register_contestant(contest, now, n=2)
    with pytest.raises(DomainError, match="đã được dùng"):
        contestants.update_identity(reg.id, _change(reg.user, cccd=other.user.cccd), organizer, now, "sửa")
    with pytest.raises(DomainError, match="Chữ số thứ 4"):
        contestants.update_identity(reg.id, _change(reg.user, gender="nu"), organizer, now, "sửa")
    with pytest.raises(DomainError, match="lý do"):
        contestants.update_identity(reg.id, _change(reg.user, full_name="Tên Khác"), organizer, now, "")
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "identity.update")) == 0
