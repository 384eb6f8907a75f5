"""Small builders for service and web tests."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    AttemptQuestion,
    Contest,
    ContestTopic,
    OrganizingBody,
    Question,
    Registration,
    Round,
    StaffMembership,
    Topic,
    Track,
    User,
)


def body(name="Ban Tổ chức thử nghiệm") -> OrganizingBody:
    found = db.session.scalar(select(OrganizingBody).where(OrganizingBody.name == name))
    if found is None:
        found = OrganizingBody(name=name)
        db.session.add(found)
        db.session.flush()
    return found


def link_topics(contest: Contest, use: str = "ranked", slugs=None) -> None:
    """Let `contest` draw these topics (all the bank's topics not linked yet, by default)."""
    linked = set(db.session.scalars(select(ContestTopic.topic_id).where(ContestTopic.contest_id == contest.id)))
    query = select(Topic) if slugs is None else select(Topic).where(Topic.slug.in_(list(slugs)))
    for topic in db.session.scalars(query):
        if topic.id not in linked:
            db.session.add(ContestTopic(contest_id=contest.id, topic_id=topic.id, use=use))
    db.session.commit()


def make_contest(now, slug="test", attempts_allowed=3, time_limit=1200, question_count=5, **round_kw) -> Contest:
    c = Contest(slug=slug, title="Cuộc thi thử nghiệm", organizing_body=body())
    c.tracks = [Track(code="officials", name="Cán bộ, công chức, viên chức", position=1),
                Track(code="citizens", name="Người dân", position=2)]
    c.rounds = [Round(number=1, name="Tuần 1", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=6),
                      attempts_allowed=attempts_allowed, time_limit_seconds=time_limit, question_count=question_count,
                      **round_kw)]
    db.session.add(c)
    db.session.commit()
    link_topics(c, "practice" if round_kw.get("kind") == "practice" else "ranked")
    return c


def make_staff(username: str, role: str = "organizer", contests=(), unit=None, area=None, admin=False) -> User:
    """A staff account (role per contest: organizer, or moderator of `unit`/`area`), password matkhau123."""
    u = User(role="admin" if admin else "staff", full_name=f"Cán bộ {username}", username=username)
    u.set_password("matkhau123")
    db.session.add(u)
    db.session.flush()
    for contest in contests:
        db.session.add(StaffMembership(user_id=u.id, contest_id=contest.id, role=role,
                                       unit_id=unit.id if unit is not None and role == "moderator" else None,
                                       area_id=area.id if area is not None and role == "moderator" else None))
    db.session.commit()
    return u


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


def make_bank(n=30, topics=("the-che", "chi-so")):
    """`n` distinct questions spread over `topics`, imported through the bank service."""
    from quizapp.domain.questions import QuestionDraft
    from quizapp.services import bank

    words = ["thể chế", "thủ tục", "bộ máy", "công vụ", "tài chính", "chính phủ số", "PAPI", "SIPAS", "PCI", "DTI"]
    drafts = [
        QuestionDraft(text=f"Câu hỏi số {i} về {words[i % len(words)]} và mục tiêu {2000 + i}?",
                      options=[f"Phương án đúng {i}", f"Sai một {i}", f"Sai hai {i}", f"Sai ba {i}"], correct_index=0,
                      topic=topics[i % len(topics)], difficulty=1 + i % 3, explanation=f"Giải thích {i}.",
                      source=f"Văn bản {i}")
        for i in range(n)
    ]
    report = bank.import_drafts(drafts, [], filename="test", fmt="test", allow_duplicates=True)
    assert report.added == n
    for contest in db.session.scalars(select(Contest)):
        link_topics(contest, "practice" if any(r.is_practice for r in contest.rounds) and not any(
            r.is_ranked for r in contest.rounds) else "ranked")
    return report


def register_contestant(contest, now, n=1, category="citizen", **kw):
    """A registered contestant in `contest` (through the registration service), with its Registration."""
    from quizapp.models import Area
    from quizapp.services import registration

    if contest.area_root_id is None:
        root = Area(contest_id=contest.id, code=f"P{contest.id}", name="Tỉnh Thử", level="province")
        root.children = [Area(contest_id=contest.id, code=f"C{contest.id}-{i}", name=f"Xã Thử {i}", level="commune")
                         for i in range(3)]
        db.session.add(root)
        db.session.flush()
        contest.area_root_id = root.id
        db.session.commit()
    area = registration.selectable_areas(contest)[n % 3]
    gender = kw.pop("gender", "nam")
    born = kw.pop("birth_date", date(1990, 5, 17))
    century = {("nam", 19): 0, ("nu", 19): 1, ("nam", 20): 2, ("nu", 20): 3}[(gender, born.year // 100)]
    data = registration.RegistrationData(
        full_name=kw.pop("full_name", f"Nguyễn Văn {alpha_name(n)}"), birth_date=born, gender=gender,
        cccd=kw.pop("cccd", f"001{century}{born.year % 100:02d}{n:06d}"), phone=kw.pop("phone", f"098{n:07d}"),
        email="", area_id=area.id, unit_id=kw.pop("unit_id", None), category=category, password="matkhau123",
        consent=True)
    return registration.register(contest, data, now, **kw)


GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Minh", "Nga", "Phúc", "Quân", "Sơn", "Thảo", "Vy"]


def alpha_name(n: int) -> str:
    """A distinct, digit-free given name for contestant number `n`."""
    parts = []
    while True:
        n, r = divmod(n, len(GIVEN))
        parts.append(GIVEN[r])
        if n == 0:
            return " ".join(reversed(parts))
