"""'Ghi nhớ đăng nhập': ticked by default; a contestant who kept it stays signed in for the whole contest after the
browser is closed (the remember-me cookie alone is enough, without a database write), one who unticked it has only
a browser-session cookie; a locked account is refused even with the cookie."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import event

from quizapp.extensions import db
from quizapp.models import User
from tests.factories import make_user
from tests.journey import PASSWORD, without_rate_limits

REMEMBER = "remember_token"


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch):
    without_rate_limits(monkeypatch)


@pytest.fixture
def phone(app):
    with app.app_context():
        user = make_user(7)
        db.session.commit()
        return user.phone


def _set_cookies(resp) -> dict[str, str]:
    """Name -> the whole Set-Cookie header of each cookie the response sets."""
    return {h.split("=", 1)[0]: h for h in resp.headers.getlist("Set-Cookie")}


def _expires(header: str) -> datetime:
    return parsedate_to_datetime(re.search(r"Expires=([^;]+)", header).group(1))


def _session_says(client) -> bool:
    return client.get("/api/v1/session").get_json()["authenticated"]


def _closed_browser(app, client):
    """A new browser holding only the remember-me cookie of `client` (the session cookie died with the browser)."""
    remembered = client.get_cookie(REMEMBER)
    assert remembered is not None
    fresh = app.test_client()
    fresh.set_cookie(REMEMBER, remembered.value)
    return fresh


def test_the_box_is_ticked_by_default_and_says_when_to_untick_it(client):
    html = client.get("/dang-nhap").get_data(as_text=True)
    box = re.search(r"<input[^>]*name=\"remember\"[^>]*>", html).group(0)
    assert "checked" in box and 'aria-describedby="remember-hint"' in box
    hint = re.search(r'<p class="hint" id="remember-hint">([^<]*)</p>', html).group(1)
    assert "suốt cuộc thi" in hint and "Bỏ chọn" in hint and "máy tính dùng chung" in hint


def test_a_remembered_sign_in_lasts_the_whole_contest_and_survives_closing_the_browser(app, client, phone):
    resp = client.post("/dang-nhap", data={"identifier": phone, "password": PASSWORD, "remember": "y"})
    assert resp.status_code == 302
    cookie = _set_cookies(resp)[REMEMBER]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert _expires(cookie) - datetime.now(UTC) > timedelta(days=180)  # a contest of several weekly rounds

    browser = _closed_browser(app, client)
    assert _session_says(browser) is True
    assert browser.get("/api/v1/session").get_json()["user"]["full_name"] == "Người Thi 7"


def test_coming_back_with_the_remember_cookie_writes_nothing_to_the_database(app, client, phone):
    client.post("/dang-nhap", data={"identifier": phone, "password": PASSWORD, "remember": "y"})
    browser = _closed_browser(app, client)
    writes = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SELECT", "BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT",
                                                      "RELEASE")):
            writes.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            assert _session_says(browser) is True
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert writes == []


def test_without_remember_the_session_cookie_ends_with_the_browser(app, client, phone):
    resp = client.post("/dang-nhap", data={"identifier": phone, "password": PASSWORD})  # box unticked
    cookies = _set_cookies(resp)
    assert REMEMBER not in cookies
    session_cookie = cookies[app.config["SESSION_COOKIE_NAME"]]
    assert "Expires=" not in session_cookie and "Max-Age=" not in session_cookie
    assert _session_says(client) is True
    fresh = app.test_client()  # the browser was closed: nothing kept
    assert _session_says(fresh) is False


def test_the_api_sign_in_remembers_when_asked(app, client, phone):
    resp = client.post("/api/v1/login", json={"identifier": phone, "password": PASSWORD, "remember": True})
    assert resp.status_code == 200 and REMEMBER in _set_cookies(resp)
    assert _session_says(_closed_browser(app, client)) is True
    other = app.test_client()
    resp = other.post("/api/v1/login", json={"identifier": phone, "password": PASSWORD})
    assert resp.status_code == 200 and REMEMBER not in _set_cookies(resp)


def test_a_locked_account_is_refused_even_with_the_remember_cookie(app, client, phone):
    client.post("/dang-nhap", data={"identifier": phone, "password": PASSWORD, "remember": "y"})
    browser = _closed_browser(app, client)
    with app.app_context():
        user = db.session.query(User).filter_by(phone=phone).one()
        user.is_active_account = False
        db.session.commit()
    assert _session_says(browser) is False
    assert _session_says(client) is False  # the still open browser too
    resp = browser.get("/ca-nhan/du-lieu")  # the contestant's own data: sent to sign in instead
    assert resp.status_code == 302 and "/dang-nhap" in resp.headers["Location"]
