"""Simulated contestants for the demo contest and for tests: real draw, real answers, real grading.

Accounts share one precomputed password hash of a random secret (hashing a password per account would
take minutes), so nobody can sign in as them. Their attempts go through the attempts service: started
(drawn and frozen) at a past moment inside the round, answered, and submitted, so the grading and the
leaderboard aggregates are exactly those of real contestants.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select

from quizapp import passwords
from quizapp.domain import draw, identity, timing
from quizapp.domain.contest_setup import categories
from quizapp.domain.counting import check_can_start
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AttemptQuestion, Contest, QuestionOption, Registration, Round, Track, User
from quizapp.services import attempts

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Lò", "Vàng", "Hà", "Giàng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Hoài", "Xuân", "Thị Thu", "Văn Anh"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Linh", "Mai", "Nam", "Nga", "Phúc", "Quân",
         "Sơn", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Hiếu", "Khánh", "Long", "Hạnh", "Huyền", "Thắng", "Cường",
         "Duyên", "Tâm", "Trung"]


@lru_cache(maxsize=1)
def shared_password_hash() -> str:
    """One hash of a random secret nobody knows, for every simulated account."""
    return passwords.hash_password(secrets.token_urlsafe(32))


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


@dataclass(frozen=True)
class Person:
    """Who to register: `key` makes the account findable again (it is the e-mail's local part)."""

    key: str
    full_name: str
    track_code: str
    area_id: int
    unit_id: int | None = None
    birth_date: date | None = None
    phone: str | None = None


EMAIL_DOMAIN = "mo-phong.invalid"  # a reserved domain: no real address


def add_contestants(contest: Contest, people: list[Person], registered_at: datetime) -> list[Registration]:
    """Register simulated people (one shared password hash); returns their registrations. Commits."""
    tracks = {t.code: t for t in db.session.scalars(select(Track).where(Track.contest_id == contest.id))}
    category_of = {c.track: c.code for c in reversed(categories(contest.categories))}
    regs = []
    for p in people:
        user = User(role="contestant", full_name=p.full_name, name_key=identity.name_key(p.full_name),
                    email=f"{p.key}@{EMAIL_DOMAIN}", password_hash=shared_password_hash(), birth_date=p.birth_date,
                    phone=p.phone)
        reg = Registration(contest_id=contest.id, user=user, track_id=tracks[p.track_code].id, area_id=p.area_id,
                           unit_id=p.unit_id, category=category_of.get(p.track_code, p.track_code),
                           consented_at=registered_at, created_at=registered_at)
        db.session.add(reg)
        regs.append(reg)
    db.session.commit()
    return regs


def has_questions() -> bool:
    return db.session.scalar(select(func.count()).select_from(QuestionOption).where(QuestionOption.is_correct)) > 0


@dataclass(frozen=True)
class Contestant:
    """A registration as plain values, so simulating does not reload it after every commit."""

    registration_id: int
    user_id: int
    track_code: str

    @classmethod
    def of(cls, reg: Registration) -> Contestant:
        return cls(reg.id, reg.user_id, reg.track.code if reg.track else "")


def simulated_registrations(contest: Contest) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).join(User).where(Registration.contest_id == contest.id,
                                              User.email.like(f"%@{EMAIL_DOMAIN}")).order_by(Registration.id)))


class Simulator:
    """Takes simulated attempts. The bank is read once; each attempt is started exactly as
    attempts.start_attempt starts one (same checks, draw, numbering and deadline), answered, then
    submitted through attempts.submit_attempt, so grading and leaderboards run their real code."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._candidates: dict[int, list] = {}
        self.correct = dict(db.session.execute(
            select(QuestionOption.question_id, QuestionOption.id).where(QuestionOption.is_correct)).all())

    def candidates(self, rnd: Round) -> list:
        """What the round may draw (its contest's question sets), read once per round."""
        if rnd.id not in self._candidates:
            self._candidates[rnd.id] = attempts.round_candidates(rnd)
        return self._candidates[rnd.id]

    def _start(self, who: Contestant, rnd: Round, started_at: datetime) -> Attempt:
        if not attempts.round_is_open(rnd, started_at):
            raise ValueError("simulated attempt outside the round")
        used = db.session.scalar(select(func.count()).select_from(Attempt).where(
            Attempt.registration_id == who.registration_id, Attempt.round_id == rnd.id))
        check_can_start(used, rnd.attempts_allowed, has_in_progress=False)
        blueprint = draw.parse_blueprint((rnd.track_blueprints or {}).get(who.track_code) or rnd.blueprint or [])
        attempt = Attempt(round_id=rnd.id, registration_id=who.registration_id, number=used + 1,
                          status=attempts.IN_PROGRESS,
                          started_at=started_at,
                          deadline_at=timing.attempt_deadline(started_at, rnd.time_limit_seconds, rnd.closes_at))
        attempt.questions = [
            AttemptQuestion(question_id=d.question_id, position=d.position, option_order=list(d.option_order))
            for d in draw.draw_questions(self.candidates(rnd), blueprint, rnd.question_count, self.rng)]
        db.session.add(attempt)
        db.session.flush()
        return attempt

    def prepare(self, who: Contestant | Registration, rnd: Round, started_at: datetime, correct: int,
                seconds: int) -> Attempt:
        """Start at `started_at` and answer `correct` questions right and the others wrong (not submitted)."""
        who = who if isinstance(who, Contestant) else Contestant.of(who)
        attempt = self._start(who, rnd, started_at)
        aqs = list(attempt.questions)
        right = {aq.id for aq in self.rng.sample(aqs, min(correct, len(aqs)))}
        for i, aq in enumerate(aqs):
            good = self.correct[aq.question_id]
            option = good if aq.id in right else self.rng.choice([o for o in aq.option_order if o != good])
            # The row save_answer writes for a first answer.
            db.session.add(Answer(attempt_id=attempt.id, attempt_question_id=aq.id, option_id=option,
                                  answered_at=started_at + timedelta(seconds=seconds * (i + 1) / (len(aqs) + 1)),
                                  client_seq=0))
        db.session.flush()
        return attempt

    def take_attempt(self, who: Contestant | Registration, rnd: Round, started_at: datetime, correct: int,
                     seconds: int, prediction: int | None) -> attempts.AttemptResult:
        """Start at `started_at`, answer `correct` questions right and the others wrong, submit `seconds` later."""
        who = who if isinstance(who, Contestant) else Contestant.of(who)
        attempt = self.prepare(who, rnd, started_at, correct, seconds)
        # Without a prediction it is what the page's automatic submission at the deadline sends.
        return attempts.submit_attempt(attempt.id, who.user_id, started_at + timedelta(seconds=seconds), prediction,
                                       require_prediction=prediction is not None)
