"""Reading contests and rounds for display (setting them up is services/contest_setup.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from quizapp.domain.timing import countdown_text, round_state, round_state_label
from quizapp.extensions import db
from quizapp.models import Contest, Round


@dataclass
class RoundView:
    """A round with its state at `now` ('upcoming', 'open', 'closed'; the practice round is always 'open')."""

    round: Round
    state: str
    seconds_to_open: int

    @property
    def state_label(self) -> str:
        return round_state_label(self.state, self.round.is_practice)

    @property
    def opens_in(self) -> str:
        """The countdown to opening, in words (the page's script keeps it ticking)."""
        return countdown_text(self.seconds_to_open)


def published_contests() -> list[Contest]:
    """Every contest its organisers have published, newest first."""
    return list(db.session.scalars(select(Contest).where(Contest.is_published).order_by(Contest.id.desc())))


def get_contest(slug: str) -> Contest | None:
    return db.session.scalar(select(Contest).where(Contest.slug == slug[:80]))


def get_public_contest(slug: str) -> Contest | None:
    """A contest the public may see: published ones only."""
    contest = get_contest(slug)
    return contest if contest is not None and contest.is_published else None


def round_views(contest: Contest, now: datetime) -> list[RoundView]:
    """Rounds in display order (weekly rounds by number, practice last) with their state."""
    views = []
    for rnd in contest.rounds:
        state = "open" if rnd.is_practice else round_state(now, rnd.opens_at, rnd.closes_at)
        views.append(RoundView(rnd, state, max(0, int((rnd.opens_at - now).total_seconds()))))
    return sorted(views, key=lambda v: (v.round.is_practice, v.round.number))


@dataclass
class ContestantRounds:
    """A contestant's rounds as their page shows them: what they can take now first (open weekly rounds, then
    practice), then the rounds still to come, then the finished ones, latest first."""

    now: list[RoundView]
    upcoming: list[RoundView]
    finished: list[RoundView]


def for_contestant(views: list[RoundView]) -> ContestantRounds:
    return ContestantRounds(
        now=[v for v in views if v.state == "open" and not v.round.is_practice]
        + [v for v in views if v.round.is_practice],
        upcoming=[v for v in views if v.state == "upcoming"],
        finished=sorted((v for v in views if v.state == "closed"), key=lambda v: -v.round.number))


def database_ok() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "unreachable" for the health check
        db.session.rollback()
        return False


def round_in(contest_id: int, round_id: int) -> Round | None:
    """A round of this contest (None for another contest's or an unknown id)."""
    rnd = db.session.get(Round, round_id)
    return rnd if rnd is not None and rnd.contest_id == contest_id else None
