"""What organisers watch: their contests at a glance, and one contest live during a round (contestants now,
attempts per hour, participation by commune and unit against staff counts). Moderators see their scope only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from quizapp.domain import timing
from quizapp.domain.attempt_status import AttemptStatus
from quizapp.extensions import db
from quizapp.models import Area, Attempt, Contest, Registration, Round, Unit
from quizapp.services import access, contests, leaderboard


@dataclass
class ContestCard:
    contest: Contest
    access: access.Access
    state: str  # "open", "upcoming", "finished", "draft"
    registered: int
    open_rounds: list[Round]
    next_round: Round | None


def contest_state(contest: Contest, now: datetime) -> tuple[str, list[Round], Round | None]:
    """("open" | "upcoming" | "finished", the ranked rounds open now, the next one to open)."""
    ranked = [r for r in contest.rounds if r.is_ranked]
    open_now = [r for r in ranked if timing.round_state(now, r.opens_at, r.closes_at) == timing.ROUND_OPEN]
    upcoming = sorted((r for r in ranked if r.opens_at > now), key=lambda r: r.opens_at)
    if open_now:
        return "open", open_now, upcoming[0] if upcoming else None
    if upcoming:
        return "upcoming", [], upcoming[0]
    return "finished", [], None


def cards(user, now: datetime) -> list[ContestCard]:
    """The staff member's contests with their state and registrations (in their scope)."""
    out = []
    for contest in access.contests_for(user):
        grant = access.for_contest(user, contest)
        state, open_now, upcoming = contest_state(contest, now)
        registered = db.session.scalar(select(func.count()).select_from(Registration).where(
            access.registration_condition(grant))) or 0
        out.append(ContestCard(contest, grant, state if contest.is_published else "draft", registered, open_now,
                               upcoming))
    return out


@dataclass
class Live:
    """One contest, now."""

    contest: Contest
    registered: int
    in_progress: int  # attempts being taken right now
    finished_today: int
    per_hour: list[tuple[str, int]]  # the last 24 hours: "14h" → attempts started
    open_rounds: list[Round]
    next_round: Round | None
    area_table: leaderboard.Table | None
    unit_table: leaderboard.Table
    units_without_staff: int
    areas_without_population: int
    scope_label: str
    checks: list[str] = field(default_factory=list)  # what is missing before the contest can run


def live(contest: Contest, grant: access.Access, now: datetime, tz: ZoneInfo) -> Live:
    visible = select(Registration.id).where(access.registration_condition(grant))
    rounds = select(Round.id).where(Round.contest_id == contest.id)
    in_scope = [Attempt.round_id.in_(rounds)] + ([] if grant.sees_everything else [Attempt.registration_id.in_(visible)])
    in_progress = db.session.scalar(select(func.count()).select_from(Attempt).where(
        *in_scope, Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline_at > now)) or 0
    start_of_day = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    finished_today = db.session.scalar(select(func.count()).select_from(Attempt).where(
        *in_scope, Attempt.status != AttemptStatus.IN_PROGRESS, Attempt.submitted_at >= start_of_day)) or 0
    since = now - timedelta(hours=24)
    started = db.session.scalars(select(Attempt.started_at).where(*in_scope, Attempt.started_at >= since))
    buckets = [0] * 24
    for at in started:
        buckets[min(23, int((at - since) / timedelta(hours=1)))] += 1
    labels = [(since + timedelta(hours=i + 1)).astimezone(tz).strftime("%Hh") for i in range(24)]
    state, open_now, upcoming = contest_state(contest, now)
    units = leaderboard.unit_table(contest, now, staff=True)
    areas = leaderboard.area_table(contest, now, staff=True) if contest.area_root_id else None
    if not grant.sees_everything:
        unit_ids = set(db.session.scalars(select(Unit.id).where(access.unit_condition(grant))))
        area_ids = set(db.session.scalars(select(Area.id).where(access.area_condition(grant))))
        units.blocks = [(b, [r for r in rows if r.id in unit_ids]) for b, rows in units.blocks]
        units.blocks = [(b, rows) for b, rows in units.blocks if rows]
        if areas is not None:
            areas.blocks = [(b, [r for r in rows if r.id in area_ids]) for b, rows in areas.blocks]
    return Live(
        contest=contest, registered=db.session.scalar(select(func.count()).select_from(visible.subquery())) or 0,
        in_progress=in_progress, finished_today=finished_today, per_hour=list(zip(labels, buckets)),
        open_rounds=open_now, next_round=upcoming, area_table=areas, unit_table=units,
        units_without_staff=sum(1 for r in units.rows if r.denominator is None),
        areas_without_population=sum(1 for r in areas.rows if r.denominator is None) if areas else 0,
        scope_label=access.scope_label(grant), checks=setup_checks(contest) if grant.can_decide else [])


def setup_checks(contest: Contest) -> list[str]:
    """What an organiser still has to do before contestants can take part (Vietnamese, one line each)."""
    from quizapp.services import contest_setup

    out = []
    if contest.area_root_id is None:
        out.append("Chưa có địa bàn: nạp xã, phường của tỉnh hoặc nhập danh sách địa bàn.")
    if not contest.rounds:
        out.append("Chưa có đợt thi nào.")
    if not contest_setup.contest_candidates(contest.id, "ranked"):
        out.append("Chưa chọn bộ câu hỏi cho các đợt thi chính thức.")
    if any(r.is_practice for r in contest.rounds) and not contest_setup.contest_candidates(contest.id, "practice"):
        out.append("Có vòng thi thử nhưng chưa chọn bộ câu hỏi thi thử (khác với bộ câu hỏi của các đợt chính thức).")
    if not contest.prize_config:
        out.append("Chưa đặt cơ cấu giải thưởng.")
    if not contest.is_published:
        out.append("Cuộc thi chưa được công bố: trang chủ chưa hiển thị, chưa ai đăng ký được.")
    return out


def published_contests(now: datetime) -> list[tuple[Contest, str, list[Round], Round | None]]:
    """Every published contest with its state, for the home page: open first, then upcoming, then finished."""
    order = {"open": 0, "upcoming": 1, "finished": 2}
    rows = [(c, *contest_state(c, now)) for c in contests.published_contests()]
    return sorted(rows, key=lambda r: (order[r[1]], -(r[0].id)))
