"""Integrity the database itself guarantees, whichever worker or server writes."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from quizapp.extensions import db
from quizapp.models import (
    Area,
    Attempt,
    Contest,
    Question,
    QuestionOption,
    Registration,
    Round,
    Topic,
    Track,
    Unit,
    User,
)
from tests.factories import body


def _contest(now, slug="c1"):
    c = Contest(slug=slug, title="Cuộc thi", organizing_body=body())
    c.tracks = [Track(code="citizens", name="Người dân")]
    c.rounds = [Round(number=1, name="Tuần 1", opens_at=now, closes_at=now + timedelta(days=7), attempts_allowed=3)]
    db.session.add(c)
    db.session.flush()
    return c


def _user(phone="0912345678", cccd="001090000001"):
    u = User(full_name="Nguyễn Văn An", phone=phone, cccd=cccd, birth_date=date(1990, 1, 1), gender="nam")
    u.set_password("matkhau123")
    db.session.add(u)
    db.session.flush()
    return u


def _expect_integrity_error():
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_contest_slug_is_unique(db_session, now):
    _contest(now, "same")
    db_session.add(Contest(slug="same", title="Khác", organizing_body=body()))
    _expect_integrity_error()


def test_same_cccd_or_phone_cannot_register_twice(db_session):
    _user()
    with pytest.raises(IntegrityError):
        _user(phone="0987654321")  # same CCCD
    db_session.rollback()
    _user()
    with pytest.raises(IntegrityError):
        _user(cccd="001090000002")  # same phone
    db_session.rollback()


def test_one_registration_per_person_and_contest(db_session, now):
    c, u = _contest(now), _user()
    for _ in range(2):
        db_session.add(Registration(contest_id=c.id, user_id=u.id, track_id=c.tracks[0].id, consented_at=now))
    _expect_integrity_error()


def test_a_question_has_at_most_one_correct_option(db_session):
    t = Topic(slug="the-che", title="Cải cách thể chế")
    q = Question(topic=t, text="Câu hỏi?", dedup_key="k")
    q.options = [QuestionOption(position=i, text=str(i), is_correct=i < 2) for i in range(4)]
    db_session.add(q)
    _expect_integrity_error()


def _registration(now):
    c, u = _contest(now), _user()
    reg = Registration(contest_id=c.id, user_id=u.id, track_id=c.tracks[0].id, consented_at=now)
    db.session.add(reg)
    db.session.flush()
    return c.rounds[0], reg


def test_only_one_attempt_in_progress_per_contestant_and_round(db_session, now):
    rnd, reg = _registration(now)
    for n in (1, 2):
        db_session.add(Attempt(round_id=rnd.id, registration_id=reg.id, number=n, deadline_at=now, started_at=now))
    _expect_integrity_error()


def test_attempt_numbers_are_unique_per_contestant_and_round(db_session, now):
    rnd, reg = _registration(now)
    db_session.add(Attempt(round_id=rnd.id, registration_id=reg.id, number=1, status="submitted", deadline_at=now, started_at=now))
    db_session.add(Attempt(round_id=rnd.id, registration_id=reg.id, number=1, status="submitted", deadline_at=now, started_at=now))
    _expect_integrity_error()


def test_a_round_must_close_after_it_opens(db_session, now):
    c = _contest(now)
    db_session.add(Round(contest_id=c.id, number=2, name="Sai", opens_at=now, closes_at=now - timedelta(hours=1)))
    _expect_integrity_error()


def test_foreign_keys_are_enforced(db_session):
    db_session.add(Unit(contest_id=999999, code="X", name="Không có cuộc thi"))
    _expect_integrity_error()


def test_area_codes_are_unique_within_a_contest(db_session, now):
    a, b = _contest(now, "a"), _contest(now, "b")
    db_session.add_all([Area(contest_id=a.id, code="15", name="Lào Cai", level="province"),
                        Area(contest_id=b.id, code="15", name="Lào Cai", level="province")])
    db_session.flush()  # two contests each have their own tree
    db_session.add(Area(contest_id=a.id, code="15", name="Khác", level="province"))
    _expect_integrity_error()


def test_times_come_back_as_aware_utc(db_session, now):
    c = _contest(now)
    db_session.commit()
    db_session.expire_all()
    rnd = db_session.scalar(select(Round).where(Round.contest_id == c.id))
    assert rnd.opens_at == now and rnd.opens_at.utcoffset() == timedelta(0)
