"""A contest for the contestant's journey (web and browser tests), with rounds placed around the real clock.

The pages and the API read the real clock (utcnow), so windows are set relative to it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from quizapp.extensions import db
from quizapp.models import Area, Contest, Round, Track, Unit

PASSWORD = "matkhau123"
PREDICTION_QUESTION = "Có bao nhiêu người trả lời đúng tất cả các câu hỏi của đợt thi?"


@dataclass
class JourneyContest:
    slug: str
    contest_id: int
    round_id: int  # open weekly round, 5 questions, 2 attempts, asks a prediction
    upcoming_round_id: int  # opens in 2 days
    closed_round_id: int  # closed yesterday
    practice_round_id: int  # always open, unlimited
    area_ids: list[int]
    unit_ids: list[int]


def make_journey_contest(now: datetime, slug: str = "cchc-thu", question_count: int = 5, time_limit: int = 600,
                         extra_rounds: list[dict] | None = None, bank_size: int = 40) -> JourneyContest:
    """The contest, its area tree and unit list, and a bank of `bank_size` questions."""
    from tests.factories import body, link_topics, make_bank

    make_bank(bank_size)
    contest = Contest(slug=slug, title="Tìm hiểu cải cách hành chính (thử nghiệm)", organizing_body=body())
    contest.tracks = [Track(code="officials", name="Cán bộ, công chức, viên chức", position=1),
                      Track(code="citizens", name="Người dân", position=2)]
    week = dict(question_count=question_count, time_limit_seconds=time_limit, attempts_allowed=2,
                counting_rule="best")
    contest.rounds = [
        Round(number=1, name="Tuần 1", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=6),
              prediction_mode="perfect_count", prediction_question=PREDICTION_QUESTION, **week),
        Round(number=2, name="Tuần 2", opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=9), **week),
        Round(number=3, name="Tuần 0", opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1), **week),
        Round(number=90, name="Vòng thi thử", kind="practice", opens_at=now - timedelta(days=30),
              closes_at=now + timedelta(days=365), question_count=3, time_limit_seconds=600, attempts_allowed=None),
    ]
    for i, kw in enumerate(extra_rounds or []):
        contest.rounds.append(Round(number=10 + i, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=6),
                                    **{"name": f"Đợt {10 + i}", "attempts_allowed": None, **kw}))
    db.session.add(contest)
    db.session.flush()
    root = Area(contest_id=contest.id, code=f"T-{contest.id}", name="Tỉnh Thử Nghiệm", level="province")
    root.children = [Area(contest_id=contest.id, code=f"X{contest.id}-{i}", name=name, level="commune")
                     for i, name in enumerate(["Xã Bát Xát", "Phường Cam Đường", "Xã Mường Hum"])]
    db.session.add(root)
    db.session.flush()
    contest.area_root_id = root.id
    units = [Unit(contest_id=contest.id, code="SNV", name="Sở Nội vụ"),
             Unit(contest_id=contest.id, code="STP", name="Sở Tư pháp")]
    db.session.add_all(units)
    db.session.commit()
    link_topics(contest, "ranked", ["the-che"])  # ranked rounds and practice draw different questions
    link_topics(contest, "practice", ["chi-so"])
    r = {rnd.number: rnd.id for rnd in contest.rounds}
    return JourneyContest(slug, contest.id, r[1], r[2], r[3], r[90], [a.id for a in root.children], [u.id for u in units])


def cccd_for(born: date, gender: str = "nam", n: int = 1, province: str = "010") -> str:
    """A CCCD number consistent with the birth date and gender (Lào Cai's province code by default)."""
    century = {("nam", 19): 0, ("nu", 19): 1, ("nam", 20): 2, ("nu", 20): 3}[(gender, born.year // 100)]
    return f"{province}{century}{born.year % 100:02d}{n:06d}"


def person(n: int = 1, **kw) -> dict:
    """Registration answers for contestant `n`, as the form's fields take them (values are strings)."""
    born = kw.pop("born", date(1985, 3, 14))
    gender = kw.pop("gender", "nu")
    data = {
        "full_name": f"Lò Thị Mai {'ABCDEFGHIJ'[n % 10]}", "birth_date": born.isoformat(), "gender": gender,
        "cccd": cccd_for(born, gender, n), "phone": f"091{n:07d}", "email": "", "category": "citizen",
        "area_id": "", "unit_id": "0", "password": PASSWORD, "password2": PASSWORD, "consent": "y",
    }
    data.update(kw)
    return data


def unlabelled_controls(html: str) -> list[str]:
    """Form controls a screen reader could not name: neither inside a <label> nor named by <label for>."""
    from html.parser import HTMLParser

    class Controls(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth, self.label_for, self.controls = 0, set(), []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "label":
                self.depth += 1
                if a.get("for"):
                    self.label_for.add(a["for"])
            elif tag in ("input", "select", "textarea"):
                if tag == "input" and a.get("type") in ("hidden", "submit", "button", "reset", "image"):
                    return
                if not (self.depth or a.get("aria-label") or a.get("aria-labelledby")):
                    self.controls.append(a.get("id") or a.get("name") or tag)

        def handle_endtag(self, tag):
            if tag == "label":
                self.depth = max(0, self.depth - 1)

    parser = Controls()
    parser.feed(html)
    return [c for c in parser.controls if c not in parser.label_for]


def without_rate_limits(monkeypatch) -> None:
    """Rate limits off for this test. The limiter is one object shared by every app a test run creates, and
    the last create_app decides whether it is on (tests/web/test_app.py creates apps with it on)."""
    from quizapp.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", False)
