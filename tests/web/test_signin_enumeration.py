"""Sign-in never tells whether an account exists: one message and one error code for an unknown phone or CCCD
and for a wrong password, in about the same time."""
from __future__ import annotations

from datetime import date

import pytest

from quizapp.extensions import db
from tests.factories import make_user
from tests.journey import PASSWORD, without_rate_limits

ONE_MESSAGE = "Số điện thoại, số CCCD hoặc mật khẩu không đúng."


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch):
    without_rate_limits(monkeypatch)




@pytest.fixture
def account(app):
    with app.app_context():
        user = make_user(1, birth_date=date(1990, 1, 1))
        db.session.commit()
        return {"phone": user.phone, "cccd": user.cccd}


def _login_page(client, identifier: str, password: str) -> str:
    return client.post("/dang-nhap", data={"identifier": identifier, "password": password}).get_data(as_text=True)


def test_the_sign_in_page_says_the_same_for_an_unknown_account_and_a_wrong_password(client, account):
    pages = [_login_page(client, account["phone"], "sai-mat-khau"), _login_page(client, account["cccd"], "sai"),
             _login_page(client, "0999999999", PASSWORD), _login_page(client, "079099000999", PASSWORD)]
    for html in pages:
        assert ONE_MESSAGE in html
        assert "Không tìm thấy tài khoản" not in html and "Mật khẩu không đúng" not in html


def test_the_api_gives_one_error_code_for_both(client, account):
    answers = [client.post("/api/v1/login", json={"identifier": i, "password": p})
               for i, p in ((account["phone"], "sai-mat-khau"), ("0999999999", PASSWORD))]
    bodies = [(r.status_code, r.get_json()["error"], r.get_json()["message"]) for r in answers]
    assert bodies == [(401, "invalid_credentials", ONE_MESSAGE)] * 2


def test_refusing_an_unknown_account_costs_one_password_hash_like_a_wrong_password(app, account, monkeypatch):
    """Equal work, so equal time: each refusal checks exactly one password hash (counted, not timed)."""
    from quizapp import passwords
    from quizapp.domain.errors import DomainError
    from quizapp.services import accounts

    checks = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password",
                        lambda stored, password: checks.append(stored) or real(stored, password))
    with app.app_context():
        for identifier in (account["phone"], "0999999999"):
            checks.clear()
            with pytest.raises(DomainError):
                accounts.authenticate(identifier, "sai-mat-khau")
            assert len(checks) == 1, identifier
            assert checks[0].startswith("$argon2id$"), identifier  # the dummy is argon2id too: the same cost
