"""A person's own data (Decree 13/2023/NĐ-CP): what the export holds, corrections, withdrawal, anonymisation."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from quizapp.domain.personal_data import ANONYMISED_NAME, results_are_final
from quizapp.domain.review import FLAG_LABELS
from quizapp.extensions import db
from quizapp.models import AuditLog, DataRequest, ResultEntry, ReviewFlag, User
from quizapp.services import access, attempts, integrity, personal_data, results
from tests.factories import make_contest, make_staff, register_contestant
from tests.results_factories import make_world


def _publish(world, when):
    draft = results.compute(world.round.id, when)
    return results.publish(results.approve(draft.id, when).id, when)


@pytest.fixture
def played(db_session, now):
    """Contest A with one round: Hoà (who will ask for deletion) and Lâm took part; an organiser of A."""
    world = make_world(now)
    hoa = register_contestant(world.contest, now, n=3, full_name="Đặng Thị Hoà", gender="nu",
                              birth_date=date(1991, 3, 8))
    lam = register_contestant(world.contest, now, n=4, full_name="Phan Văn Lâm")
    world.attempt(hoa, 0, 5)
    world.attempt(lam, 1, 4)
    organizer = make_staff("btc-a", "organizer", [world.contest])
    return world, hoa, lam, organizer


def test_the_export_holds_every_section_in_full_for_the_owner(played, now):
    world, hoa, _, organizer = played
    flag = ReviewFlag(contest_id=world.contest.id, kind="fast_attempt", key="k", registration_id=hoa.id,
                      detail="ghi chú nội bộ 12 giây")
    db.session.add(flag)
    db.session.commit()
    integrity.resolve_flag(flag.id, "clear", organizer, now, "Cán bộ ghi chú: đã gọi điện hỏi")
    data = personal_data.export(hoa.user_id, now)
    assert set(data) == {"generated_at", "account", "registrations", "attempts", "reviews", "published_results",
                         "requests", "audit"}
    assert data["account"] | {"created_at": None} == {
        "full_name": "Đặng Thị Hoà", "cccd": hoa.user.cccd, "phone": hoa.user.phone, "email": None,
        "birth_date": "1991-03-08", "gender": "Nữ", "created_at": None, "active": True}
    assert data["generated_at"].endswith("+07:00") and data["registrations"][0]["consented_at"].endswith("+07:00")
    assert data["registrations"][0]["area"].startswith("Xã ") and data["registrations"][0]["contest"]
    assert [a["correct"] for a in data["attempts"]] == [5] and data["attempts"][0]["answers"] == 5
    assert data["reviews"] == [{"contest": world.contest.title, "round": None,
                                "what": FLAG_LABELS["fast_attempt"], "found_at": data["reviews"][0]["found_at"],
                                "outcome": "Không có vi phạm", "decided_at": data["reviews"][0]["decided_at"]}]
    text = repr(data)
    assert "ghi chú" not in text.lower() and "btc-a" not in text and organizer.full_name not in text
    assert {e["by"] for e in data["audit"]} == {"Bạn", "Ban Tổ chức"}


def test_contact_correction_normalises_refuses_taken_values_and_logs_no_values(played, now):
    _, hoa, lam, _ = played
    lam.user.email = "lam@example.vn"
    db.session.commit()
    assert personal_data.update_contact(hoa.user_id, " hoa@example.vn ", "+84 912 345 678", now) == ["email", "phone"]
    user = db.session.get(User, hoa.user_id)
    assert (user.email, user.phone) == ("hoa@example.vn", "0912345678")
    with pytest.raises(personal_data.PersonalDataError) as taken:
        personal_data.update_contact(hoa.user_id, "", lam.user.phone, now)
    assert taken.value.field == "phone" and "đã được dùng" in taken.value.message
    with pytest.raises(personal_data.PersonalDataError) as email_taken:
        personal_data.update_contact(hoa.user_id, "LAM@example.vn", "0912345678", now)
    assert email_taken.value.field == "email"
    with pytest.raises(personal_data.PersonalDataError) as bad:
        personal_data.update_contact(hoa.user_id, "", "12345", now)
    assert bad.value.field == "phone"
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "contact.update"))
    assert log.after == {"_changed": ["email", "phone"]} and log.before == {}
    assert "0912345678" not in repr((log.before, log.after, log.reason))


def test_identity_correction_reaches_the_contests_organiser_only(played, now):
    world, hoa, _, organizer = played
    other = make_contest(now, slug="cuoc-thi-b")
    other_organizer = make_staff("btc-b", "organizer", [other])
    with pytest.raises(personal_data.PersonalDataError):
        personal_data.request_correction(hoa.user_id, [], "Tên đúng là Đặng Thị Hòa", now)
    req = personal_data.request_correction(hoa.user_id, ["full_name", "cccd"], "Tên đúng là Đặng Thị Hòa", now)
    mine = personal_data.open_requests(access.for_contest(organizer, world.contest))
    assert [(v.request.id, v.registration.id, v.field_labels) for v in mine] == [(req.id, hoa.id, ["Họ và tên", "Số CCCD"])]
    assert personal_data.open_requests(access.for_contest(other_organizer, other)) == []
    with pytest.raises(personal_data.PersonalDataError):
        personal_data.resolve_correction(req.id, access.for_contest(other_organizer, other), other_organizer, now)
    personal_data.resolve_correction(req.id, access.for_contest(organizer, world.contest), organizer, now)
    assert personal_data.open_requests(access.for_contest(organizer, world.contest)) == []
    logs = db.session.scalars(select(AuditLog).where(AuditLog.action.like("privacy.%"))).all()
    assert [row.after for row in logs] == [{"fields": ["full_name", "cccd"]}] * 2
    assert all("Hòa" not in row.reason for row in logs)


def test_withdrawing_consent_stops_new_attempts(played, now):
    world, hoa, lam, _ = played
    with pytest.raises(personal_data.PersonalDataError):
        personal_data.request_deletion(hoa.user_id, False, now)
    personal_data.request_deletion(hoa.user_id, True, now)
    with pytest.raises(attempts.AttemptError) as refused:
        attempts.start_attempt(hoa.id, world.round.id, now)
    assert refused.value.code == "consent_withdrawn"
    assert attempts.start_attempt(lam.id, world.round.id, now).status == "in_progress"


def test_anonymise_waits_for_final_results_then_clears_personal_fields_only(played, now, app):
    world, hoa, lam, organizer = played
    personal_data.update_contact(hoa.user_id, "hoa@example.vn", hoa.user.phone, now)
    personal_data.request_deletion(hoa.user_id, True, now)
    cccd, phone = hoa.user.cccd, hoa.user.phone
    assert personal_data.anonymise_requested(now).waiting == [hoa.user_id]  # the round is still open
    closed = world.after_close()
    assert personal_data.anonymise_requested(closed).waiting == [hoa.user_id]  # closed, attempts, not published
    published = _publish(world, closed)
    csv_before = published.public_csv
    report = personal_data.anonymise_requested(closed + timedelta(minutes=1))
    assert report.anonymised == [hoa.user_id] and report.waiting == []
    user = db.session.get(User, hoa.user_id)
    assert (user.full_name, user.cccd, user.phone, user.email, user.birth_date, user.gender) == (
        ANONYMISED_NAME, None, None, None, None, None)
    assert not user.is_active_account and not user.check_password("matkhau123")
    assert db.session.get(User, lam.user_id).full_name == "Phan Văn Lâm"
    db.session.refresh(published)
    assert published.public_csv == csv_before and "Đặng Thị Hoà".encode() in csv_before
    assert db.session.scalar(select(ResultEntry.full_name).where(ResultEntry.registration_id == hoa.id)) == "Đặng Thị Hoà"
    req = db.session.scalar(select(DataRequest).where(DataRequest.user_id == hoa.user_id))
    assert req.status == "done" and req.anonymised_at is not None
    logs = db.session.scalars(select(AuditLog).where(AuditLog.subject_user_id == hoa.user_id)).all()
    assert any(row.action == "privacy.anonymise" for row in logs)
    text = repr([(row.before, row.after, row.reason) for row in logs])
    assert cccd not in text and phone not in text and "Hoà" not in text and "hoa@example.vn" not in text
    assert personal_data.anonymise_requested(closed + timedelta(hours=1)).anonymised == []  # once


def test_results_are_final_rule():
    assert results_are_final([])
    assert results_are_final([(True, True, True), (True, False, False)])
    assert not results_are_final([(True, False, True)])
    assert not results_are_final([(False, False, False)])


def test_the_command_anonymises_only_after_results_are_final(app, runner, now):
    with app.app_context():
        world = make_world(now - timedelta(days=30))  # closed long ago
        reg = register_contestant(world.contest, now - timedelta(days=30), n=5)
        world.attempt(reg, 0, 3)
        personal_data.request_deletion(reg.user_id, True, now)
        user_id, round_id, closed = reg.user_id, world.round.id, world.after_close()
    waiting = runner.invoke(args=["contestants", "anonymise-requested"])
    assert waiting.exit_code == 0 and "Đã ẩn danh 0 tài khoản" in waiting.output and "1 yêu cầu còn chờ" in waiting.output
    with app.app_context():
        assert db.session.get(User, user_id).cccd is not None
        draft = results.compute(round_id, closed)
        results.publish(results.approve(draft.id, closed).id, closed)
    done = runner.invoke(args=["contestants", "anonymise-requested"])
    assert done.exit_code == 0 and "Đã ẩn danh 1 tài khoản" in done.output
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.full_name == ANONYMISED_NAME and user.cccd is None and user.phone is None
