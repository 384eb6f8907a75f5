"""Builders for the live contest's tests: a contest with a bank, its organiser, and a session."""
from __future__ import annotations

import random

import pytest

from quizapp.domain import live as rules
from quizapp.services import live, live_push
from tests.factories import make_bank, make_contest, make_staff


@pytest.fixture(autouse=True)
def fresh_live_state():
    """Ids restart after each test's truncation: no broker state or question key kept from an earlier test.
    Autouse in every module that imports it."""
    live_push.reset()
    live._keys.clear()  # question ids restart too
    yield
    live_push.reset()
    live._keys.clear()


def make_live(now, slug="hoi-thi", rule=rules.FIXED, seconds=20, count=3, team_mode=False, teams=(), tiebreaks=1,
              organizer=None, **kw):
    """A contest (bank of 30) with an organiser, and a session in its lobby; returns (session, organiser)."""
    contest = make_contest(now, slug=slug)
    make_bank(30)
    host = organizer or make_staff(f"btc-{slug}", "organizer", [contest])
    settings = rules.LiveSettings(title="Hội thi cán bộ cấp xã", seconds=seconds, scoring_rule=rule,
                                  team_mode=team_mode, teams=list(teams), **kw)
    topics = tuple(t.topic_id for t in contest.topic_links)
    s = live.create_session(contest, settings, live.QuestionSource(topic_ids=topics, count=count,
                                                                   tiebreak_count=tiebreaks),
                            now, host, random.Random(7))
    return s, host


def correct_option(s, position: int) -> int:
    return live._question(s, position).correct_option.id


def wrong_option(s, position: int) -> int:
    return next(o.id for o in live._question(s, position).options if not o.is_correct)
