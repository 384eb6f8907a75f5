"""Forgotten password, self-service (/quen-mat-khau and POST /api/v1/password-resets): CCCD, birth date and phone
of an active contestant lead to a one-time page to set a new password, then the contestant is signed in. One
message for any mismatch; staff never; rate limited per address and per CCCD; logged without personal values."""
from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AuditLog, OneTimeToken, User, utcnow
from quizapp.services import password_reset
from tests.factories import make_contest, make_staff, register_contestant
from tests.journey import without_rate_limits

OLD = "matkhau123"
NEW = "matkhaumoi456"
CCCD, BORN, PHONE = "001090000001", "1990-05-17", "0980000001"  # register_contestant(n=1)
NO_MATCH = password_reset.NO_MATCH


@pytest.fixture(autouse=True)
def _no_rate_limits(request, monkeypatch):
    if "limited_app" not in request.fixturenames:
        without_rate_limits(monkeypatch)


@pytest.fixture
def contestant(app):
    with app.app_context():
        now = utcnow()
        reg = register_contestant(make_contest(now, slug="quen-mk"), now, n=1)
        return reg.user.id


def _ask(client, cccd=CCCD, birth_date=BORN, phone=PHONE):
    return client.post("/quen-mat-khau", data={"cccd": cccd, "birth_date": birth_date, "phone": phone})


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _signs_in(app, password) -> bool:
    resp = app.test_client().post("/dang-nhap", data={"identifier": PHONE, "password": password})
    return resp.status_code == 302


def _audit(app, action_prefix="password.self_reset"):
    with app.app_context():
        return list(db.session.scalars(select(AuditLog).where(AuditLog.action.like(f"{action_prefix}%"))
                                       .order_by(AuditLog.id)))


def test_the_sign_in_page_links_to_the_forgotten_password_page(client):
    html = _text(client.get("/dang-nhap"))
    assert 'href="/quen-mat-khau"' in html and "Quên mật khẩu?" in html
    page = _text(client.get("/quen-mat-khau"))
    for label in ("Số CCCD (12 chữ số)", "Ngày sinh", "Số điện thoại di động đã đăng ký"):
        assert label in page
    assert 'type="date"' in page  # the same date input as the registration form
    assert "quản trị hệ thống cấp đường dẫn" in page  # staff are told where to go


def test_reset_then_sign_in_with_the_new_password_and_not_the_old_one(app, client, contestant):
    # the phone written another way, the CCCD with spaces: normalised as registration does
    resp = _ask(client, cccd="001 090 000 001", phone="+84 98 000 0001")
    assert resp.status_code == 302 and "/dat-mat-khau/" in resp.headers["Location"]
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200 and "Đặt xong, bạn được đăng nhập ngay." in _text(page)
    done = client.post(resp.headers["Location"], data={"password": NEW, "password2": NEW})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    session = client.get("/api/v1/session").get_json()
    assert session["authenticated"] and session["user"]["id"] == contestant
    assert _signs_in(app, NEW) and not _signs_in(app, OLD)


def test_the_link_is_single_use(app, client, contestant):
    url = _ask(client).headers["Location"]
    assert client.post(url, data={"password": NEW, "password2": NEW}).status_code == 302
    again = client.get(url)
    assert again.status_code == 410 and "không còn hiệu lực" in _text(again)
    assert client.post(url, data={"password": "khac12345", "password2": "khac12345"}).status_code == 410
    assert _signs_in(app, NEW)


def test_the_link_expires_after_15_minutes(app, client, contestant):
    with app.app_context():
        _, token = password_reset.start(CCCD, date(1990, 5, 17), PHONE,
                                        utcnow() - timedelta(minutes=15, seconds=1))
        row = db.session.scalar(select(OneTimeToken).order_by(OneTimeToken.id.desc()))
        assert row.expires_at - row.created_at == timedelta(minutes=15)
    assert client.get(f"/dat-mat-khau/{token}").status_code == 410
    assert _signs_in(app, OLD)


def test_an_organisers_link_still_sends_to_sign_in_without_signing_in(app, client, contestant):
    from quizapp.services import staff

    with app.app_context():
        token = staff.issue_link(db.session.get(User, contestant), "password_reset", None, utcnow())
    done = client.post(f"/dat-mat-khau/{token}", data={"password": NEW, "password2": NEW})
    assert done.headers["Location"] == "/dang-nhap"
    assert client.get("/api/v1/session").get_json()["authenticated"] is False


@pytest.mark.parametrize("wrong", [
    {"cccd": "001090000002"},  # nobody's CCCD
    {"birth_date": "1990-05-18"},
    {"phone": "0980000002"},
    {"birth_date": "1991-05-17", "phone": "0912345678"},
])
def test_any_wrong_detail_gives_the_same_message(app, client, contestant, wrong):
    resp = _ask(client, **wrong)
    html = _text(resp)
    assert resp.status_code == 200 and NO_MATCH in html
    assert "/dat-mat-khau/" not in html
    assert 'value="' + wrong.get("cccd", CCCD) + '"' in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(OneTimeToken.id)) is None
    assert _signs_in(app, OLD)


def test_locked_accounts_and_staff_accounts_cannot_be_reset_this_way(app, client, contestant):
    with app.app_context():
        user = db.session.get(User, contestant)
        user.is_active_account = False
        officer = make_staff("can-bo-1")
        officer.cccd, officer.phone, officer.birth_date = "001085000009", "0911111111", user.birth_date
        db.session.commit()
    assert NO_MATCH in _text(_ask(client))
    assert NO_MATCH in _text(_ask(client, cccd="001085000009", phone="0911111111"))
    refused = [row.after["refused"] for row in _audit(app)]
    assert refused == ["locked", "staff"]
    with app.app_context():
        assert db.session.scalar(select(OneTimeToken.id)) is None


@pytest.mark.parametrize("data, problems", [
    ({"cccd": "", "birth_date": "", "phone": ""},
     ["Vui lòng nhập số căn cước công dân (CCCD).", "Vui lòng nhập ngày sinh (ngày/tháng/năm) hợp lệ.",
      "Vui lòng nhập số điện thoại di động."]),
    ({"cccd": "abc123", "birth_date": "31/02/1990", "phone": "không có"},
     ["Số CCCD chỉ gồm các chữ số.", "Vui lòng nhập ngày sinh (ngày/tháng/năm) hợp lệ.",
      "Số điện thoại chỉ gồm các chữ số."]),
    ({"cccd": "0" * 500, "birth_date": "99999-99-99", "phone": "+1 555 0100"},
     ["Số CCCD phải gồm đúng 12 chữ số (số đã nhập có 500 chữ số).", "Vui lòng nhập ngày sinh (ngày/tháng/năm) hợp lệ.",
      "Chỉ chấp nhận số điện thoại di động Việt Nam (mã quốc gia +84)."]),
])
def test_badly_written_details_show_every_problem_at_once_and_keep_the_fields(app, client, contestant, data,
                                                                              problems):
    resp = client.post("/quen-mat-khau", data=data)
    html = _text(resp)
    assert resp.status_code == 200
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert f"Vui lòng sửa {len(problems)} mục dưới đây" in summary
    for problem in problems:
        assert problem in summary
    assert NO_MATCH not in html
    if data["phone"]:
        assert f'value="{data["phone"]}"' in html
    assert _audit(app) == []  # nothing was looked up


def test_odd_requests_never_give_a_500(client, contestant):
    assert client.post("/quen-mat-khau", data={}).status_code == 200
    nul = client.post("/quen-mat-khau", data={"cccd": "\x00" * 3, "birth_date": "１９９０-05-17"})
    assert nul.status_code == 400 and "ký tự điều khiển" in nul.get_data(as_text=True)  # refused before the form
    assert client.post("/quen-mat-khau", data={"birth_date": "0000-00-00", "cccd": "001090000001"}).status_code == 200
    assert client.post("/api/v1/password-resets", data="[]", content_type="application/json").status_code == 400
    assert client.post("/api/v1/password-resets", json={"cccd": 1, "birth_date": [], "phone": None}).status_code == 422


def test_the_audit_log_has_each_try_without_personal_values(app, client, contestant):
    _ask(client, phone="0980000002")
    _ask(client)
    rows = _audit(app)
    assert [r.action for r in rows] == ["password.self_reset_refused", "password.self_reset"]
    assert rows[0].after["refused"] == "phone" and rows[0].subject_user_id == contestant
    assert rows[1].subject_user_id == contestant and rows[1].after["expires_in_minutes"] == 15
    stored = json.dumps([[r.before, r.after, r.reason, r.actor_name] for r in rows], ensure_ascii=False)
    for value in (CCCD, PHONE, "0980000002", BORN, "1990", "17/05"):
        assert value not in stored
    assert rows[1].after["cccd"] == "0*********01"


def test_a_notice_is_mailed_when_the_server_can_send_mail(app, client, contestant, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.vn")
    with app.app_context():
        db.session.get(User, contestant).email = "mai@example.vn"
        db.session.commit()
    url = _ask(client).headers["Location"]
    assert sent == []  # nothing is sent until the password is really changed
    client.post(url, data={"password": NEW, "password2": NEW})
    [message] = sent
    assert message["To"] == "mai@example.vn" and message["Subject"] == "Mật khẩu của bạn vừa được đặt lại"
    body = message.get_content()
    assert "vừa được đặt lại" in body and NEW not in body and "/dat-mat-khau/" not in body


def test_the_api_gives_a_link_to_the_set_password_page(app, client, contestant):
    refused = client.post("/api/v1/password-resets", json={"cccd": CCCD, "birth_date": BORN, "phone": "0980000002"})
    assert refused.status_code == 422 and refused.get_json() == {"error": "no_match", "message": NO_MATCH}
    bad = client.post("/api/v1/password-resets", json={"cccd": "12", "birth_date": BORN, "phone": PHONE})
    assert bad.status_code == 422 and bad.get_json()["field"] == "cccd"
    resp = client.post("/api/v1/password-resets", json={"cccd": CCCD, "birth_date": BORN, "phone": PHONE})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["set_password_url"].startswith("/dat-mat-khau/") and body["expires_at"]
    assert client.post(body["set_password_url"], data={"password": NEW, "password2": NEW}).headers["Location"] == "/"
    assert _signs_in(app, NEW)


# ---------------------------------------------------------------- rate limits (on, as in production)


@pytest.fixture
def limited_app(database_url, _migrated_app):
    from quizapp import create_app

    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
        "RATELIMIT_PASSWORD_RESET": "8 per minute", "RATELIMIT_PASSWORD_RESET_CCCD": "3 per 15 minutes",
    })
    yield app
    with app.app_context():
        db.engine.dispose()


def test_guessing_one_persons_details_is_blocked_after_a_few_tries_and_logged(limited_app, contestant):
    guesses = [_ask(limited_app.test_client(), birth_date=f"1990-01-{d:02d}") for d in range(1, 5)]
    assert [r.status_code for r in guesses] == [200, 200, 200, 429]
    assert "quá nhiều lần" in _text(guesses[3])
    assert int(guesses[3].headers["Retry-After"]) > 0
    # the right details are blocked too for a while (the same CCCD, written another way)
    assert _ask(limited_app.test_client(), cccd="001-090-000-001").status_code == 429
    api = limited_app.test_client().post("/api/v1/password-resets", json={"cccd": CCCD, "birth_date": BORN,
                                                                            "phone": PHONE})
    assert api.status_code == 429 and api.get_json()["error"] == "rate_limited"
    rows = _audit(limited_app)
    assert [r.action for r in rows] == ["password.self_reset_refused"] * 3 + ["password.self_reset_blocked"] * 3
    assert {r.after["limit"] for r in rows[3:]} == {"cccd"} and CCCD not in json.dumps([r.after for r in rows])
    # another person from the same address is not affected by this CCCD's limit
    assert _ask(limited_app.test_client(), cccd="001090000002").status_code == 200


def test_one_address_trying_many_numbers_is_blocked(limited_app, contestant):
    statuses = [_ask(limited_app.test_client(), cccd=f"0010900001{n:02d}").status_code for n in range(9)]
    assert statuses == [200] * 8 + [429]
    assert _audit(limited_app)[-1].after["limit"] == "address"
