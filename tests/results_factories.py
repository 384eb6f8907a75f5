"""Builders for leaderboard and results tests: a small contest with an area tree, units in blocks, and
contestants who take real attempts (drawn, answered and graded by the attempts service)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from quizapp.domain.counting import Entry
from quizapp.extensions import db
from quizapp.models import Area, Attempt, Contest, Registration, Round, Unit
from quizapp.services import simulation
from tests.factories import make_bank, make_contest

PRIZES = {"individual": {"first": 1, "second": 1, "third": 1, "consolation": 1},
          "collective": {"first": 1, "second": 1, "third": 0}}


@dataclass
class World:
    contest: Contest
    round: Round
    districts: list[Area]
    communes: list[Area]  # communes[0:2] in districts[0], communes[2:4] in districts[1]
    units: list[Unit]  # Sở A (staff 4) and Sở B (staff 10) in "Khối sở", UBND C (staff 2) in "Khối xã"
    sim: simulation.Simulator

    def people(self, n: int, track: str = "citizens", unit: int | None = None, area: int | None = None,
               names: list[str] | None = None) -> list[Registration]:
        """`n` registered contestants (shared password hash), spread over the communes unless told."""
        start = db.session.scalar(select(Registration.id).order_by(Registration.id.desc()).limit(1)) or 0
        specs = [simulation.Person(
            f"t{start + i}", names[i] if names else f"Thí Sinh {start + i}", track,
            self.communes[area if area is not None else i % len(self.communes)].id,
            self.units[unit].id if unit is not None else None) for i in range(n)]
        return simulation.add_contestants(self.contest, specs, self.round.opens_at)

    def attempt(self, reg, minutes: float, correct: int, seconds: int = 100, prediction: int | None = 3,
                rnd: Round | None = None):
        """An attempt started `minutes` after the round opened."""
        rnd = rnd or self.round
        return self.sim.take_attempt(reg, rnd, rnd.opens_at + timedelta(minutes=minutes), correct, seconds, prediction)

    def after_close(self, rnd: Round | None = None):
        return (rnd or self.round).closes_at + timedelta(minutes=5)


def make_world(now, counting_rule: str = "best", prediction_mode: str | None = "perfect_count",
               group_level: str = "district", question_count: int = 5, attempts_allowed: int | None = 3,
               seed: int = 7) -> World:
    make_bank(30)
    contest = make_contest(now, question_count=question_count, attempts_allowed=attempts_allowed,
                           counting_rule=counting_rule, prediction_mode=prediction_mode,
                           prediction_question="Bao nhiêu người trả lời đúng tất cả?" if prediction_mode else "")
    cid = contest.id
    root = Area(contest_id=cid, code=f"P{cid}", name="Tỉnh Thử", level="province")
    districts = [Area(contest_id=cid, code=f"D{cid}-{d}", name=f"Huyện {name}", level="district", parent=root)
                 for d, name in enumerate(("Đông", "Tây"))]
    communes = [Area(contest_id=cid, code=f"C{cid}-{i}", name=f"Xã {name}", level="commune", parent=districts[i // 2])
                for i, name in enumerate(("An Phú", "Bình Minh", "Cẩm Giàng", "Đồng Tâm"))]
    db.session.add(root)
    db.session.flush()
    contest.area_root_id, contest.group_level, contest.prize_config = root.id, group_level, PRIZES
    units = [Unit(contest_id=contest.id, code="SA", name="Sở A", block="Khối sở", staff_count=4),
             Unit(contest_id=contest.id, code="SB", name="Sở B", block="Khối sở", staff_count=10),
             Unit(contest_id=contest.id, code="UC", name="UBND xã C", block="Khối xã", staff_count=2,
                  kind="commune_committee")]
    db.session.add_all(units)
    db.session.commit()
    return World(contest, contest.rounds[0], districts, communes, units, simulation.Simulator(random.Random(seed)))


def add_round(world: World, number: int = 2, **kw) -> Round:
    """Another weekly round of the same contest, opening when the first one closes."""
    first = world.round
    rnd = Round(contest_id=world.contest.id, number=number, name=f"Tuần {number}",
                opens_at=first.closes_at, closes_at=first.closes_at + timedelta(days=7),
                question_count=first.question_count, attempts_allowed=first.attempts_allowed,
                counting_rule=kw.pop("counting_rule", first.counting_rule),
                prediction_mode=kw.pop("prediction_mode", first.prediction_mode), **kw)
    db.session.add(rnd)
    db.session.commit()
    return rnd


def all_entries(rnd: Round) -> list[Entry]:
    """Every finished attempt of the round as the domain sees it (the full recomputation's input)."""
    from quizapp.services.attempts import to_entry

    active = {r.id: r.status for r in db.session.scalars(select(Registration))}
    attempts = db.session.scalars(select(Attempt).where(Attempt.round_id == rnd.id, Attempt.status != "in_progress"))
    return [to_entry(a, a.registration_id) if active[a.registration_id] == "active" else
            Entry(a.id, a.registration_id, a.correct or 0, a.total, a.duration_ms or 0, a.submitted_at, a.prediction,
                  True)
            for a in attempts]
