"""Signing in and registering, as an attacker probes them: the remember-me cookie behind HTTPS, and what the error
log keeps when a registration fails in the database."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import User, utcnow
from quizapp.services import registration
from tests.factories import make_user
from tests.journey import make_journey_contest, person, without_rate_limits


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch):
    without_rate_limits(monkeypatch)


def _cookie(resp, name: str) -> str:
    found = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert found, resp.headers.getlist("Set-Cookie")
    return found[0]


# ------------------------------------------------------------------ item 5: the remember-me cookie


@pytest.fixture
def https_app(app, database_url):
    """The app as deployed behind HTTPS (SESSION_COOKIE_SECURE=1), on the test database."""
    from quizapp import create_app

    secure = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                         "RATELIMIT_ENABLED": False, "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": True})
    with secure.app_context():
        make_user(1)
        db.session.commit()
        yield secure
        db.session.remove()


def test_the_remember_cookie_is_secure_httponly_and_lax_behind_https(https_app):
    client = https_app.test_client()
    resp = client.post("/dang-nhap", data={"identifier": "0900000001", "password": "matkhau123", "remember": "y"},
                       base_url="https://localhost")
    assert resp.status_code == 302
    remember = _cookie(resp, "remember_token").lower()
    assert "; secure" in remember and "; httponly" in remember and "samesite=lax" in remember
    session = _cookie(resp, "session").lower()
    assert "; secure" in session and "samesite=lax" in session


def test_the_api_sign_in_sets_the_same_remember_cookie(https_app):
    client = https_app.test_client()
    resp = client.post("/api/v1/login", json={"identifier": "0900000001", "password": "matkhau123", "remember": True},
                       base_url="https://localhost")
    assert resp.status_code == 200, resp.get_json()
    remember = _cookie(resp, "remember_token").lower()
    assert "; secure" in remember and "; httponly" in remember and "samesite=lax" in remember


def test_without_https_the_remember_cookie_is_still_httponly_and_lax(app, client):
    with app.app_context():
        make_user(1)
        db.session.commit()
    resp = client.post("/dang-nhap", data={"identifier": "0900000001", "password": "matkhau123", "remember": "y"})
    remember = _cookie(resp, "remember_token").lower()
    assert "; httponly" in remember and "samesite=lax" in remember and "; secure" not in remember


# ------------------------------------------------------------------ item 6: nothing personal in the error log


@pytest.fixture
def journey(app):
    with app.app_context():
        return make_journey_contest(utcnow())


def test_a_registration_failing_in_the_database_logs_no_personal_data(app, client, journey, monkeypatch, caplog):
    """Two registrations with one CCCD at once: the second passes the Python check, the database refuses it."""
    first = person(1, area_id=str(journey.area_ids[0]))
    assert client.post(f"/cuoc-thi/{journey.slug}/dang-ky", data=first).status_code == 302
    client.post("/dang-xuat")
    monkeypatch.setattr(registration, "_refuse_taken", lambda person: None)  # the check raced and lost
    second = person(1, area_id=str(journey.area_ids[0]), phone="0987654321", full_name="Lò Thị Mai B")
    with caplog.at_level(logging.DEBUG):
        resp = client.post(f"/cuoc-thi/{journey.slug}/dang-ky", data=second)
    assert resp.status_code == 500
    logged = caplog.text
    assert "IntegrityError" in logged  # the failure itself is still there to debug
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.cccd == first["cccd"]))
    for secret in (first["cccd"], "0987654321", first["phone"], first["birth_date"], "14/03/1985",
                   *stored.split("$")[-2:], "argon2", "scrypt:", "pbkdf2:"):  # the salt and digest of the hash
        assert secret not in logged, secret


def test_the_engine_hides_sql_parameters(app):
    with app.app_context():
        assert db.engine.hide_parameters is True
