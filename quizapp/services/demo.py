"""The demo contest that `make run` shows a newcomer. Seeding is idempotent."""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from quizapp import ROOT
from quizapp.domain import contest_setup as setup
from quizapp.extensions import db
from quizapp.models import Contest, CountedEntry, Round, Unit, User
from quizapp.services import areas, bank, contest_setup, integrity, results, simulation, staff, units

DEMO_SLUG = "cchc-2026"
DEMO_FILE = ROOT / "quizapp" / "data" / "demo-contest.yaml"
DEMO_ORGANIZER, DEMO_MODERATOR = "btc.laocai", "theodoi.snv"
DEMO_TITLE = "Tìm hiểu cải cách hành chính năm 2026"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN_USERNAME = "admin"


@dataclass
class SeedReport:
    created: list[str]
    admin_username: str
    admin_password: str | None  # only when the admin account was created in this run


def week_start(now: datetime) -> datetime:
    """00:00 on the Monday of `now`'s week, in Vietnam time, as UTC."""
    local = now.astimezone(LOCAL_TZ)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday.astimezone(ZoneInfo("UTC"))


def seed_demo(now: datetime, instance_path: Path) -> SeedReport:
    """Create whatever part of the demo is missing. Running it again creates nothing."""
    created: list[str] = []
    sync = bank.load_bundled()
    if sync.added:
        created.append(f"{sync.added} câu hỏi của ngân hàng câu hỏi kèm theo")
    contest = db.session.scalar(select(Contest).where(Contest.slug == DEMO_SLUG))
    if contest is None:
        contest = _load_contest(now)
        created.append(f"cuộc thi «{contest.title}»")
    password = _ensure_admin(instance_path)
    if password:
        created.append("tài khoản quản trị")
    if _ensure_staff(contest, instance_path, now):
        created.append("tài khoản Ban Tổ chức và người theo dõi mẫu")
    db.session.commit()
    created += _ensure_simulation(contest, now)
    if _ensure_published(contest, now):
        created.append("kết quả Tuần 1 (đã công bố)")
    return SeedReport(created, ADMIN_USERNAME, password)


def _load_contest(now: datetime) -> Contest:
    """The demo's definition file, its rounds moved so that Tuần 1 opened on last week's Monday."""
    d = setup.parse_definition(contest_setup.read_yaml(DEMO_FILE.read_bytes()), LOCAL_TZ)
    contest_setup.shift_for_demo(d, week_start(now) - timedelta(weeks=1))
    return contest_setup.load_definition(d, None, now).contest


def _ensure_admin(instance_path: Path) -> str | None:
    """The demo admin; its password is generated once and kept in instance/demo_admin_password."""
    if db.session.scalar(select(func.count()).select_from(User).where(User.username == ADMIN_USERNAME)):
        return None
    password_file = instance_path / "demo_admin_password"
    password = password_file.read_text().strip() if password_file.exists() else secrets.token_urlsafe(9)
    password_file.write_text(password)
    password_file.chmod(0o600)
    admin = User(role="admin", full_name="Quản trị viên", username=ADMIN_USERNAME)
    admin.set_password(password)
    db.session.add(admin)
    return password


def _ensure_staff(contest: Contest, instance_path: Path, now: datetime) -> bool:
    """An organiser of the demo contest and a moderator of one of its units, sharing the admin's demo password."""
    password = admin_password(instance_path)
    if password is None or staff.find_staff(DEMO_ORGANIZER) is not None:
        return False
    organizer = staff.create_staff(DEMO_ORGANIZER, "Cán bộ Ban Tổ chức (mẫu)", None, now, password=password)
    staff.add_membership(organizer, contest, "organizer", None, now)
    moderator = staff.create_staff(DEMO_MODERATOR, "Cán bộ theo dõi Sở Nội vụ (mẫu)", None, now, password=password)
    staff.add_membership(moderator, contest, "moderator", None, now, unit=units.find(contest, "SNV"))
    return True


# ---------------------------------------------------------------- simulated contestants and published results

DEMO_PRIZES = {"individual": {"first": 1, "second": 2, "third": 3, "consolation": 5},
               "collective": {"first": 1, "second": 1, "third": 1}}
# Participation rate each featured unit reaches in Tuần 1 (so the collective ranking has winners and losers).
AGENCY_RATES = {"SDTTG": 0.75, "TTR": 0.6, "STP": 0.52, "SKHCN": 0.2, "SNV": 0.1, "SXD": 0.05}
COMMITTEE_RATES = (0.8, 0.55, 0.3, 0.1)
DEMO_COMMUNES = 8
DEMO_CITIZENS = 75
RETRY_SHARE = 0.4  # who uses a second attempt in Tuần 1
WEEK2_SHARE = 0.25  # who has already taken Tuần 2 (open)


def _demo_people(contest: Contest, rng: random.Random) -> list[simulation.Person]:
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.contest_id == contest.id))}
    agencies = sorted(code for code, u in units.items() if u.kind == "agency")
    communes = areas.children(contest.area_root_id)
    step = max(1, len(communes) // DEMO_COMMUNES)
    chosen = sorted(communes, key=lambda a: a.code)[::step][:DEMO_COMMUNES]
    province_communes = [a.id for a in chosen]
    people, n = [], 0

    def add(track: str, area_id: int, unit: Unit | None) -> None:
        nonlocal n
        n += 1
        people.append(simulation.Person(f"demo-{n:04d}", simulation.person_name(rng), track, area_id,
                                        unit.id if unit else None))

    for code in agencies:
        unit = units[code]
        count = round(AGENCY_RATES[code] * unit.staff_count) if code in AGENCY_RATES else rng.randint(1, 2)
        for _ in range(count):
            add("officials", rng.choice(province_communes), unit)
    for area, rate in zip(chosen, COMMITTEE_RATES):
        unit = units[f"UBND-{area.code}"]
        for _ in range(round(rate * unit.staff_count)):
            add("officials", area.id, unit)
    for _ in range(DEMO_CITIZENS):
        add("citizens", rng.choice(province_communes), None)
    return people


def _correct_answers(rng: random.Random, total: int) -> int:
    """Most answer nearly everything right, as answers circulate (a third or more get everything right)."""
    return max(0, total - int(rng.expovariate(0.45)))


def _simulate_round(sim: simulation.Simulator, regs: list, rnd: Round, until: datetime, share: float,
                    retry: float) -> int:
    """Attempts by `share` of the contestants (a second one for `retry` of them), between opening and `until`."""
    rng, taken = sim.rng, 0
    latest = min(until, rnd.closes_at) - timedelta(seconds=rnd.time_limit_seconds + 60)
    window = (latest - rnd.opens_at).total_seconds()
    if window < 3600:
        return 0
    for reg in regs:
        if rng.random() >= share:
            continue
        count = min(rnd.attempts_allowed or 2, 1 + (rng.random() < retry))
        starts = sorted(rng.uniform(0, window) for _ in range(count))
        for i, offset in enumerate(starts):
            start = rnd.opens_at + timedelta(seconds=offset + i * (rnd.time_limit_seconds + 60))
            if start > latest:
                break
            seconds = rng.randint(rnd.time_limit_seconds // 5, rnd.time_limit_seconds - 60)
            sim.take_attempt(reg, rnd, start, _correct_answers(rng, rnd.question_count), seconds,
                             rng.randint(40, 260) if rnd.prediction_mode else None)
            taken += 1
    return taken


def _ensure_simulation(contest: Contest, now: datetime) -> list[str]:
    """A few hundred simulated contestants who took Tuần 1 (closed) and some of Tuần 2 (open); created once."""
    if simulation.simulated_registrations(contest) or not simulation.has_questions():
        return []
    rng = random.Random(2026)
    rounds = {r.number: r for r in contest.rounds}
    regs = [simulation.Contestant.of(r) for r in
            simulation.add_contestants(contest, _demo_people(contest, rng), rounds[1].opens_at)]
    sim = simulation.Simulator(rng)
    taken = _simulate_round(sim, regs, rounds[1], now, share=1.0, retry=RETRY_SHARE)
    taken += _simulate_round(sim, regs, rounds[2], now, share=WEEK2_SHARE, retry=0.0)
    taken += _suspicious(contest, sim, rounds[1], rng)
    found = integrity.scan(contest, now)
    return [f"{len(regs)} thí sinh mô phỏng với {taken} lượt thi", found.summary.rstrip(".")]


DUPLICATE_PAIRS = 3
FAST_ATTEMPTS = 4


def _suspicious(contest: Contest, sim: simulation.Simulator, week1: Round, rng: random.Random) -> int:
    """What the review screens are for: a few people registered twice (same name and birth date, another phone)
    and a few attempts finished implausibly fast. The review queue then has something to show."""
    communes = areas.children(contest.area_root_id)[:DUPLICATE_PAIRS]
    twins = []
    for i, area in enumerate(communes):
        name, born = simulation.person_name(rng), date(1980 + 3 * i, 3 + i, 10 + i)
        for copy in (1, 2):
            twins.append(simulation.Person(f"demo-trung-{i}-{copy}", name, "citizens", area.id, None,
                                           birth_date=born, phone=f"09990{i:02d}{copy:03d}"))
    regs = simulation.add_contestants(contest, twins, week1.opens_at + timedelta(days=1))
    quick = [simulation.Contestant.of(r) for r in regs[:FAST_ATTEMPTS]]
    start = week1.opens_at + timedelta(days=2)
    for k, who in enumerate(quick):
        sim.take_attempt(who, week1, start + timedelta(hours=k), week1.question_count, 25 + 5 * k, 120)
    return len(quick)


def _ensure_published(contest: Contest, now: datetime) -> bool:
    """Compute, approve and publish Tuần 1 once it has closed and has entries."""
    week1 = next((r for r in contest.rounds if r.number == 1), None)
    if week1 is None or results.published(week1.id) is not None or results.open_version(week1.id) is not None:
        return False
    if now < week1.closes_at + timedelta(minutes=1) or not db.session.scalar(
            select(func.count()).select_from(CountedEntry).where(CountedEntry.round_id == week1.id)):
        return False
    draft = results.compute(week1.id, now)
    for flagged in results.flagged(draft):
        if flagged.blocking:  # simulated people: nothing to investigate
            results.review_entry(week1.id, flagged.entry.attempt_id, "accepted", "Dữ liệu mô phỏng.", now)
    results.publish(results.approve(draft.id, now).id, now)
    return True


def admin_password(instance_path: Path) -> str | None:
    """The demo admin's password, if this instance generated one."""
    f = instance_path / "demo_admin_password"
    return f.read_text().strip() if f.exists() else None
