"""Small builders for service and web tests."""
from __future__ import annotations

from datetime import date, timedelta

from quizapp.extensions import db
from quizapp.models import Attempt, AttemptQuestion, Contest, Question, Registration, Round, Track, User


def make_contest(now, slug="test", attempts_allowed=3, time_limit=1200, question_count=5, **round_kw) -> Contest:
    c = Contest(slug=slug, title="Cuộc thi thử nghiệm")
    c.tracks = [Track(code="officials", name="Cán bộ, công chức, viên chức", position=1),
                Track(code="citizens", name="Người dân", position=2)]
    c.rounds = [Round(number=1, name="Tuần 1", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=6),
                      attempts_allowed=attempts_allowed, time_limit_seconds=time_limit, question_count=question_count,
                      **round_kw)]
    db.session.add(c)
    db.session.commit()
    return c


def make_user(n=1, **kw) -> User:
    u = User(full_name=kw.pop("full_name", f"Người Thi {n}"), phone=kw.pop("phone", f"09{n:08d}"),
             cccd=kw.pop("cccd", f"0010900{n:05d}"), birth_date=kw.pop("birth_date", date(1990, 1, 1)),
             gender=kw.pop("gender", "nam"), **kw)
    u.set_password("matkhau123")
    db.session.add(u)
    db.session.flush()
    return u


def make_attempt_using(question: Question, now) -> Attempt:
    """An attempt (in some contest) that drew `question`: enough to make the question 'used'."""
    contest = make_contest(now, slug=f"used-{question.id}")
    user = make_user(question.id + 500)
    reg = Registration(contest_id=contest.id, user_id=user.id, track_id=contest.tracks[0].id, consented_at=now)
    db.session.add(reg)
    db.session.flush()
    attempt = Attempt(round_id=contest.rounds[0].id, registration_id=reg.id, number=1, started_at=now,
                      deadline_at=now + timedelta(minutes=20))
    attempt.questions = [AttemptQuestion(question_id=question.id, position=1, option_order=[o.id for o in question.options])]
    db.session.add(attempt)
    db.session.commit()
    return attempt
