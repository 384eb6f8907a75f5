"""Leaderboard aggregates under real parallel transactions (PostgreSQL): submissions racing each other and
racing a disqualification of the same entry leave exactly what a full recomputation gives."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from psycopg.errors import DeadlockDetected
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from quizapp.extensions import db
from quizapp.models import ContestEntry, CountedEntry, User
from quizapp.services import attempts, integrity, leaderboard
from quizapp.services.simulation import Contestant
from tests.factories import make_staff
from tests.results_factories import make_world

pytestmark = pytest.mark.postgres


def test_parallel_submissions_and_disqualifications_leave_the_boards_exact(app, now):
    with app.app_context():
        world = make_world(now)
        organizer = make_staff("btc-song-song", "organizer", [world.contest])
        regs = world.people(12)
        who = [Contestant.of(r) for r in regs]
        for reg in regs[:3]:  # an earlier, finished attempt each: the entry exists before the race
            world.attempt(reg, 0, 2)
        started = world.round.opens_at + timedelta(hours=2)
        pending = [world.sim.prepare(w, world.round, started, 5 - i % 3, 60).id for i, w in enumerate(who)]
        db.session.commit()
        round_id, organizer_id = world.round.id, organizer.id
    cheats = {w.registration_id for w in who[::2]}  # every other entry is disqualified while it submits
    barrier = threading.Barrier(len(who) + len(cheats))

    def retried(action):
        """Run once more if PostgreSQL chose this transaction as a deadlock victim (a client retries too).

        Submitting (attempt row, then the registration's key-share lock of a foreign-key check) and
        integrity.disqualify (registration FOR UPDATE, then the attempts) can deadlock, with or without
        leaderboards; what must hold here is that the aggregates never go wrong either way.
        """
        try:
            action()
        except OperationalError as e:
            if not isinstance(e.orig, DeadlockDetected):
                raise
            db.session.rollback()
            action()

    def submit(i: int):
        with app.app_context():
            barrier.wait()
            retried(lambda: attempts.submit_attempt(pending[i], who[i].user_id, started + timedelta(seconds=60 + i),
                                                    prediction=4))

    def disqualify(registration_id: int):
        with app.app_context():
            barrier.wait()
            retried(lambda: integrity.disqualify(registration_id, db.session.get(User, organizer_id), now,
                                                 "Thi hộ (thử song song)."))

    with ThreadPoolExecutor(max_workers=len(who) + len(cheats)) as pool:
        jobs = [pool.submit(submit, i) for i in range(len(who))] + [pool.submit(disqualify, r) for r in cheats]
        for job in jobs:
            job.result(timeout=60)

    with app.app_context():
        counted = set(db.session.scalars(select(CountedEntry.registration_id).where(CountedEntry.round_id == round_id)))
        totals = set(db.session.scalars(select(ContestEntry.registration_id)))
        honest = {w.registration_id for w in who} - cheats
        assert counted == honest and totals == honest
        assert leaderboard.rebuild_round(round_id) == 0, "parallel updates lost or resurrected an entry"
        db.session.rollback()
