"""The audit log as an organiser reads it: birth dates show only the year and CCCD / phone stay masked, as on the
review pages; only admins see more. New log rows never hold the full values at all: an identity correction
records which fields changed, and a registration the birth year only."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AuditLog, Registration, utcnow
from quizapp.services import audit, contestants
from tests.factories import make_bank, make_contest, make_staff, register_contestant

BORN, NEW_BORN = date(1991, 4, 2), date(1991, 5, 3)
SECRETS = ["1991-04-02", "02/04/1991", "1991-05-03", "03/05/1991"]


@pytest.fixture
def world(app):
    with app.app_context():
        now = utcnow()
        make_bank(10)
        contest = make_contest(now, slug="nk", question_count=5)
        reg = register_contestant(contest, now - timedelta(days=1), n=3, full_name="Nguyễn Thị Hoa",
                                  birth_date=BORN, gender="nu")
        organizer = make_staff("btc", "organizer", [contest])
        make_staff("qtv", admin=True)
        return {"slug": contest.slug, "reg": reg.id, "user": reg.user_id, "organizer": organizer.id,
                "cccd": reg.user.cccd, "phone": reg.user.phone}


def _rows(registration_id: int) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.registration_id == registration_id)))


def _correct_birth_date(app, world):
    from quizapp.models import User

    with app.app_context():
        reg = db.session.get(Registration, world["reg"])
        user = reg.user
        change = contestants.IdentityChange("Nguyễn Thị Hòa", NEW_BORN, user.gender, f"{user.cccd[:4]}91{user.cccd[6:]}",
                                            "0912345000", "")
        contestants.update_identity(reg.id, change, db.session.get(User, world["organizer"]), utcnow(),
                                    "Sửa theo giấy tờ")


def test_new_log_rows_hold_no_full_birth_date_and_an_edit_only_names_the_fields(app, world):
    _correct_birth_date(app, world)
    with app.app_context():
        rows = {r.action: r for r in _rows(world["reg"])}
        registered, edited = rows["entry.register"], rows["identity.update"]
        assert registered.after["birth_date"] == "**/**/1991"
        assert set(edited.after["_changed"]) == {"full_name", "birth_date", "phone"}
        for row in rows.values():
            stored = repr(row.before) + repr(row.after)
            for secret in [*SECRETS, world["cccd"], world["phone"], "0912345000", "Nguyễn Thị Hòa"]:
                assert secret not in stored, (row.action, secret)


@pytest.fixture
def old_rows(app, world):
    """Rows written before the fix: a registration and an identity edit with full birth dates."""
    with app.app_context():
        for action, before, after in (
                ("entry.register", {}, {"full_name": "Nguyễn Thị Hoa", "birth_date": "1991-04-02",
                                        "cccd": "0*********23", "phone": "0*******01", "status": "active"}),
                ("identity.update", {"birth_date": "1991-04-02", "cccd": "0*********23"},
                 {"birth_date": "1991-05-03", "cccd": "0*********45", "_changed": ["birth_date", "cccd"]})):
            db.session.add(AuditLog(at=utcnow(), actor_name="Cũ", action=action, contest_id=None,
                                    registration_id=world["reg"], subject_user_id=world["user"], before=before,
                                    after=after, reason=""))
        reg = db.session.get(Registration, world["reg"])
        for row in db.session.scalars(select(AuditLog).where(AuditLog.actor_name == "Cũ")):
            row.contest_id = reg.contest_id
        db.session.commit()


def _pages(client, world) -> list[str]:
    base = f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra"
    return [client.get(url).get_data(as_text=True) for url in (f"{base}/nhat-ky", f"{base}/bai-du-thi/{world['reg']}")]


def test_an_organiser_sees_only_the_birth_year_in_old_and_new_rows(client, login, world, old_rows, app):
    _correct_birth_date(app, world)
    login("btc")
    for html in _pages(client, world):
        assert "Đăng ký dự thi" in html and "Sửa thông tin cá nhân" in html
        assert "**/**/1991" in html
        for secret in [*SECRETS, world["cccd"], world["phone"]]:
            assert secret not in html, secret
        assert "Đã sửa: Họ và tên, Ngày sinh, Số điện thoại" in html


def test_an_admin_sees_the_stored_values_in_full(client, login, world, old_rows):
    login("qtv")
    html = _pages(client, world)[0]
    assert "02/04/1991" in html and "03/05/1991" in html


def test_field_labels_cover_every_identity_field():
    assert set(audit.FIELD_LABELS) >= set(audit.IDENTITY_FIELDS)
