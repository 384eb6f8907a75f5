"""Passwords are stored as argon2id at OWASP's minimum (m=19456 KiB, t=2, p=1); an older hash (werkzeug scrypt or
pbkdf2, argon2 with other parameters) keeps working and is replaced by argon2id at the next successful sign-in."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.security import generate_password_hash

from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import User, utcnow
from quizapp.services import accounts, staff
from tests.factories import make_contest, make_staff, make_user, register_contestant

PASSWORD = "matkhau123"
CURRENT = "$argon2id$v=19$m=19456,t=2,p=1$"


def _stored(user_id: int) -> str:
    """The hash as the database has it now (not the session's copy)."""
    db.session.expire_all()
    return db.session.scalar(select(User.password_hash).where(User.id == user_id))


def _with_hash(password_hash: str, n: int = 1) -> User:
    user = make_user(n)
    user.password_hash = password_hash
    db.session.commit()
    return user


def test_a_new_contestant_and_a_new_staff_member_get_argon2id_with_the_owasp_minimum(db_session):
    now = utcnow()
    reg = register_contestant(make_contest(now, slug="bam"), now, n=3)
    admin = make_staff("quantri", admin=True)
    member = staff.create_staff("can.bo", "Cán Bộ", admin, now, password="matkhaumoi456")
    for user_id in (reg.user_id, admin.id, member.id):
        stored = _stored(user_id)
        assert stored.startswith(CURRENT), stored[:40]
        assert len(stored) <= User.__table__.c.password_hash.type.length
    assert accounts.authenticate("can.bo", "matkhaumoi456").id == member.id


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256"])
def test_an_old_werkzeug_hash_signs_in_and_is_upgraded_to_argon2id(db_session, method):
    user = _with_hash(generate_password_hash(PASSWORD, method=method))
    assert accounts.authenticate(user.phone, PASSWORD).id == user.id
    upgraded = _stored(user.id)
    assert upgraded.startswith(CURRENT)
    assert accounts.authenticate(user.cccd, PASSWORD).id == user.id  # the new hash works
    assert _stored(user.id) == upgraded  # and, being current, is not rewritten at every sign-in


def test_a_wrong_password_on_an_old_hash_is_refused_and_the_hash_is_kept(db_session):
    old = generate_password_hash(PASSWORD, method="scrypt")
    user = _with_hash(old)
    with pytest.raises(DomainError) as refused:
        accounts.authenticate(user.phone, "sai-mat-khau")
    assert refused.value.code == "invalid_credentials"
    assert _stored(user.id) == old
    assert accounts.authenticate(user.phone, PASSWORD).id == user.id  # the right one still works afterwards


@pytest.mark.parametrize("hasher", [
    PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1),  # weaker than the minimum
    PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4),  # argon2-cffi's defaults (RFC 9106 low memory)
    PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.I),  # argon2i, not argon2id
], ids=["weaker", "other", "argon2i"])
def test_an_argon2_hash_with_other_parameters_is_rehashed(db_session, hasher):
    user = _with_hash(hasher.hash(PASSWORD))
    assert accounts.authenticate(user.phone, PASSWORD).id == user.id
    assert _stored(user.id).startswith(CURRENT)


def test_a_locked_account_is_refused_and_its_old_hash_is_not_touched(db_session):
    old = generate_password_hash(PASSWORD, method="scrypt")
    user = _with_hash(old)
    user.is_active_account = False
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        accounts.authenticate(user.phone, PASSWORD)
    assert refused.value.code == "account_locked"
    assert _stored(user.id) == old


def test_a_refused_write_does_not_refuse_the_sign_in(db_session, monkeypatch):
    """Full disk or a read-only database: the contestant still signs in with the old hash; upgraded later."""
    old = generate_password_hash(PASSWORD, method="scrypt")
    user = _with_hash(old)

    def refuse():
        raise OperationalError("UPDATE user_account", {}, Exception("database or disk is full"))

    monkeypatch.setattr(db.session, "commit", refuse)
    assert accounts.authenticate(user.phone, PASSWORD).id == user.id
    monkeypatch.undo()
    assert _stored(user.id) == old
    accounts.authenticate(user.phone, PASSWORD)
    assert _stored(user.id).startswith(CURRENT)
