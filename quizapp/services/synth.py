"""Synthetic volume for the demo contest: many contestants with finished, graded attempts, inserted in bulk.

`flask demo synth --attempts N` fills a demo database for the board and results benchmarks (issue 13): N
finished attempts of one ranked round, by N / each new simulated contestants (accounts on the reserved
mo-phong.invalid domain, sharing one password hash nobody knows, so nobody can sign in as them). Unlike
simulation.Simulator it writes graded attempt rows only (no drawn questions, no answers): boards and results
read the attempts' grades, never their answers. Rows go in with COPY on PostgreSQL and executemany on SQLite,
then the round's leaderboard aggregates are rebuilt from the attempts, as `flask results compute` does.

Each run adds new contestants (it never touches existing rows); it refuses a database without the demo contest.
"""
from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from quizapp.domain.contest_setup import categories
from quizapp.domain.errors import DomainError
from quizapp.domain.identity import name_key
from quizapp.extensions import db
from quizapp.models import Area, Attempt, Contest, Registration, Round, Track, Unit, User
from quizapp.services import bulk, leaderboard, simulation

DEMO_SLUG = "cchc-2026"  # quizapp.services.demo.DEMO_SLUG (not imported: demo imports much more)
KEY_PREFIX = "synth-"
OFFICIALS_SHARE = 0.4


class SynthError(DomainError):
    """Synthesis refused (Vietnamese message, then the English one)."""


@dataclass(frozen=True)
class SynthReport:
    round_name: str
    contestants: int
    attempts: int
    seconds_insert: float
    seconds_aggregates: float


def _demo_contest() -> Contest:
    contest = db.session.scalar(select(Contest).where(Contest.slug == DEMO_SLUG))
    if contest is None:
        raise SynthError(f"Cơ sở dữ liệu này không có cuộc thi mẫu «{DEMO_SLUG}»: lệnh chỉ chạy trên dữ liệu mẫu "
                         "(chạy `flask demo seed` trước). / This database has no demo contest: synth only runs on a "
                         "demo database (run `flask demo seed` first).", "not_demo")
    return contest


def _pick_round(contest: Contest, number: int | None, now: datetime) -> Round:
    """The round asked for, or the latest ranked round that has already closed (else the latest opened)."""
    ranked = sorted((r for r in contest.rounds if r.is_ranked), key=lambda r: r.number)
    if number is not None:
        rnd = next((r for r in ranked if r.number == number), None)
        if rnd is None:
            raise SynthError(f"Cuộc thi mẫu không có đợt thi xếp hạng số {number}. / The demo contest has no "
                             f"ranked round {number}.", "no_round")
    else:
        rnd = next((r for r in reversed(ranked) if r.closes_at <= now), None) or \
            next((r for r in reversed(ranked) if r.opens_at <= now), None)
        if rnd is None:
            raise SynthError("Chưa có đợt thi xếp hạng nào đã mở. / No ranked round has opened yet.", "no_round")
    if rnd.opens_at > now:
        raise SynthError(f"{rnd.name} chưa mở nên chưa thể có bài thi. / That round has not opened yet.",
                         "round_not_open")
    return rnd


def _correct(rng: random.Random, total: int) -> int:
    """Answers circulate: a third or more get everything right, most nearly everything."""
    return max(0, total - int(rng.expovariate(0.45)))


def _add_contestants(contest: Contest, count: int, registered_at: datetime, rng: random.Random) -> list[int]:
    """`count` new simulated contestants registered in the contest; returns their registration ids."""
    tracks = {t.code: t.id for t in db.session.scalars(select(Track).where(Track.contest_id == contest.id))}
    category_of = {c.track: c.code for c in reversed(categories(contest.categories))}
    communes = list(db.session.scalars(select(Area.id).where(Area.contest_id == contest.id, Area.level == "commune")))
    units = list(db.session.scalars(select(Unit.id).where(Unit.contest_id == contest.id)))
    if not communes or not tracks:
        raise SynthError("Cuộc thi mẫu chưa có địa bàn hoặc đối tượng dự thi. / The demo contest has no areas or "
                         "tracks.", "not_demo")
    last_user = db.session.scalar(select(func.max(User.id))) or 0
    password = simulation.shared_password_hash()
    users = []
    for i in range(count):
        name = simulation.person_name(rng)
        users.append({"role": "contestant", "full_name": name, "name_key": name_key(name),
                      "email": f"{KEY_PREFIX}{last_user + 1 + i}@{simulation.EMAIL_DOMAIN}", "password_hash": password,
                      "is_active_account": True, "created_at": registered_at})
    bulk.insert_rows(User, users)
    user_ids = list(db.session.scalars(select(User.id).where(
        User.id > last_user, User.email.like(f"{KEY_PREFIX}%@{simulation.EMAIL_DOMAIN}")).order_by(User.id)))
    regs = []
    for uid in user_ids:
        official = bool(units) and "officials" in tracks and rng.random() < OFFICIALS_SHARE
        code = "officials" if official else ("citizens" if "citizens" in tracks else next(iter(tracks)))
        regs.append({"contest_id": contest.id, "user_id": uid, "track_id": tracks[code],
                     "area_id": rng.choice(communes), "unit_id": rng.choice(units) if official else None,
                     "category": category_of.get(code, code), "status": "active", "consented_at": registered_at,
                     "created_at": registered_at, "registered_ip": "", "device_id": "", "status_reason": ""})
    bulk.insert_rows(Registration, regs)
    return list(db.session.scalars(select(Registration.id).where(
        Registration.contest_id == contest.id, Registration.user_id > last_user).order_by(Registration.id)))


def _attempt_rows(rnd: Round, registration_ids: list[int], attempts: int, each: int, until: datetime,
                  rng: random.Random) -> list[dict]:
    """Finished attempts graded as submit_attempt grades them, started inside the round, `each` per contestant."""
    total, limit = rnd.question_count, rnd.time_limit_seconds
    window = max(60.0, (min(until, rnd.closes_at) - rnd.opens_at).total_seconds() - limit)
    rows = []
    for k in range(attempts):
        reg_id, number = registration_ids[k // each], k % each + 1
        started = rnd.opens_at + timedelta(seconds=rng.uniform(0, window))
        ms = rng.randint(limit * 1000 // 10, limit * 1000 - 1000)
        correct = _correct(rng, total)
        rows.append({"round_id": rnd.id, "registration_id": reg_id, "number": number, "status": "submitted",
                     "started_at": started, "deadline_at": started + timedelta(seconds=limit),
                     "submitted_at": started + timedelta(milliseconds=ms), "correct": correct, "total": total,
                     "score": round(100 * correct / total, 2) if total else 0.0, "duration_ms": ms,
                     "prediction": rng.randint(attempts // 5, attempts // 2 + 1) if rnd.prediction_mode else None,
                     "disqualified": False, "device_token": "", "client_ip": ""})
    return rows


def synthesize(attempts: int, now: datetime, round_number: int | None = None, each: int = 1,
               seed: int | None = None) -> SynthReport:
    """Add `attempts` finished attempts of one ranked round of the demo contest (`each` per new contestant),
    then rebuild the round's leaderboard aggregates. Commits. Refuses a database without the demo contest."""
    if attempts < 1:
        raise SynthError("Số bài thi phải là số nguyên dương. / --attempts must be a positive integer.", "invalid")
    contest = _demo_contest()
    rnd = _pick_round(contest, round_number, now)
    allowed = rnd.attempts_allowed or each
    if not 1 <= each <= allowed:
        raise SynthError(f"Mỗi người thi tối đa {allowed} lượt trong {rnd.name}. / At most {allowed} attempts per "
                         "contestant in that round.", "invalid")
    rng = random.Random(seed)
    started = time.perf_counter()
    regs = _add_contestants(contest, math.ceil(attempts / each), rnd.opens_at, rng)
    bulk.insert_rows(Attempt, _attempt_rows(rnd, regs, attempts, each, now, rng))
    db.session.commit()
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    leaderboard.rebuild_round(rnd.id)
    db.session.commit()
    if bulk.is_postgres():  # fresh statistics, so the boards' plans fit the new volume
        db.session.execute(db.text("ANALYZE attempt, registration, user_account, counted_entry, contest_entry"))
        db.session.commit()
    return SynthReport(rnd.name, len(regs), attempts, inserted, time.perf_counter() - started)
