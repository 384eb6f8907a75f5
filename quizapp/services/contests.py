"""Reading contests and rounds for display."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from quizapp.domain.timing import round_state
from quizapp.extensions import db
from quizapp.models import Contest, Round


@dataclass
class RoundView:
    """A round with its state at `now` ('upcoming', 'open', 'closed'; the practice round is always 'open')."""

    round: Round
    state: str
    seconds_to_open: int


def featured_contest() -> Contest | None:
    """The contest the home page presents: the newest published one."""
    return db.session.scalar(select(Contest).where(Contest.is_published).order_by(Contest.id.desc()).limit(1))


def get_contest(slug: str) -> Contest | None:
    return db.session.scalar(select(Contest).where(Contest.slug == slug))


def round_views(contest: Contest, now: datetime) -> list[RoundView]:
    """Rounds in display order (weekly rounds by number, practice last) with their state."""
    views = []
    for rnd in contest.rounds:
        state = "open" if rnd.is_practice else round_state(now, rnd.opens_at, rnd.closes_at)
        views.append(RoundView(rnd, state, max(0, int((rnd.opens_at - now).total_seconds()))))
    return sorted(views, key=lambda v: (v.round.is_practice, v.round.number))


def database_ok() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "unreachable" for the health check
        db.session.rollback()
        return False
