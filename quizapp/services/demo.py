"""The demo contest that `make run` shows a newcomer. Seeding is idempotent."""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Area, Contest, CountedEntry, Round, Track, Unit, User
from quizapp.services import areas, bank, results, simulation

DEMO_SLUG = "cchc-2026"
DEMO_TITLE = "Tìm hiểu cải cách hành chính năm 2026"
DEMO_PROVINCE_CODE = 15  # Lào Cai (after the 1/7/2025 merger)
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN_USERNAME = "admin"

AGENCIES = [
    ("VP-UBND", "Văn phòng Ủy ban nhân dân tỉnh", 85),
    ("SNV", "Sở Nội vụ", 70),
    ("STP", "Sở Tư pháp", 45),
    ("STC", "Sở Tài chính", 110),
    ("SCT", "Sở Công Thương", 60),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", 150),
    ("SXD", "Sở Xây dựng", 65),
    ("SKHCN", "Sở Khoa học và Công nghệ", 55),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", 75),
    ("SGDDT", "Sở Giáo dục và Đào tạo", 80),
    ("SYT", "Sở Y tế", 90),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", 35),
    ("TTR", "Thanh tra tỉnh", 40),
]

RULES = """Cuộc thi dành cho cán bộ, công chức, viên chức, người lao động trong các cơ quan, đơn vị và Nhân dân từ đủ 18 tuổi trở lên đang sinh sống, học tập, làm việc trên địa bàn tỉnh. Thành viên Ban Tổ chức, Tổ giúp việc không tham gia dự thi.

Cuộc thi gồm 4 đợt thi hằng tuần, mỗi đợt từ 00 giờ 00 thứ Hai đến 24 giờ 00 Chủ nhật. Mỗi lượt thi gồm 20 câu hỏi trắc nghiệm (mỗi câu có 4 phương án, chỉ có 1 phương án đúng) chọn ngẫu nhiên từ bộ câu hỏi, làm trong 20 phút, và 1 câu hỏi dự đoán số người trả lời đúng tất cả các câu hỏi trong đợt.

Mỗi người được thi tối đa 3 lượt trong một đợt; hệ thống tự động lấy lượt có kết quả cao nhất. Xếp hạng theo thứ tự: số câu trả lời đúng nhiều hơn; dự đoán gần đúng hơn; thời gian làm bài ngắn hơn; nộp bài sớm hơn.

Mỗi người chỉ đăng ký một tài khoản bằng số CCCD và số điện thoại của mình. Thông tin đăng ký sai sự thật hoặc đăng ký nhiều tài khoản thì kết quả không được công nhận.

Vòng thi thử luôn mở, không giới hạn số lượt và không tính vào xếp hạng, giúp người dự thi làm quen với cách thi."""


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
    province = areas.load_province(DEMO_PROVINCE_CODE)
    contest = db.session.scalar(select(Contest).where(Contest.slug == DEMO_SLUG))
    if contest is None:
        contest = _create_contest(province, now)
        created.append(f"cuộc thi «{contest.title}»")
    if _ensure_units(contest, province):
        created.append("danh sách đơn vị")
    added = bank.load_bundled().added
    if added:
        created.append(f"{added} câu hỏi của ngân hàng câu hỏi kèm theo")
    password = _ensure_admin(instance_path)
    if password:
        created.append("tài khoản quản trị")
    if contest.prize_config is None:
        contest.prize_config = DEMO_PRIZES
        created.append("cơ cấu giải thưởng")
    db.session.commit()
    created += _ensure_simulation(contest, now)
    if _ensure_published(contest, now):
        created.append("kết quả Tuần 1 (đã công bố)")
    return SeedReport(created, ADMIN_USERNAME, password)


def _create_contest(province: Area, now: datetime) -> Contest:
    contest = Contest(
        slug=DEMO_SLUG, title=DEMO_TITLE, organizer_name=f"Ủy ban nhân dân tỉnh {province.name}",
        prize_config=DEMO_PRIZES,
        description=(
            "Cuộc thi nhằm tuyên truyền, nâng cao nhận thức của cán bộ, công chức, viên chức và Nhân dân về "
            "Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021–2030."
        ),
        rules_text=RULES, area_root_id=province.id, group_level="commune",
    )
    contest.tracks = [
        Track(code="officials", name="Cán bộ, công chức, viên chức", position=1),
        Track(code="citizens", name="Người dân", position=2),
    ]
    start = week_start(now) - timedelta(weeks=1)
    contest.rounds = [_weekly_round(n, start + timedelta(weeks=n - 1)) for n in range(1, 5)]
    contest.rounds.append(Round(
        number=0, name="Thi thử", kind="practice", opens_at=start, closes_at=start + timedelta(weeks=8),
        question_count=10, time_limit_seconds=10 * 60, attempts_allowed=None, counting_rule="best",
    ))
    db.session.add(contest)
    db.session.flush()
    return contest


DEMO_TOPICS = ("the-che", "thu-tuc-hanh-chinh", "to-chuc-bo-may", "che-do-cong-vu", "tai-chinh-cong",
               "chinh-phu-so", "lanh-dao", "chi-so")


def _weekly_round(number: int, opens_at: datetime) -> Round:
    """20 questions: two from each topic, the rest from anywhere in the bank."""
    return Round(
        blueprint=[{"topic": t, "count": 2} for t in DEMO_TOPICS],
        number=number, name=f"Tuần {number}", kind="weekly", opens_at=opens_at,
        closes_at=opens_at + timedelta(weeks=1), question_count=20, time_limit_seconds=20 * 60,
        attempts_allowed=3, counting_rule="best", prediction_mode="perfect_count",
        prediction_question="Theo bạn, có bao nhiêu người trả lời đúng tất cả các câu hỏi của tuần thi này?",
    )


def _ensure_units(contest: Contest, province: Area) -> bool:
    """Provincial agencies and every commune's People's Committee; adds only missing ones."""
    have = set(db.session.scalars(select(Unit.code).where(Unit.contest_id == contest.id)))
    added = False
    for code, name, staff in AGENCIES:
        if code not in have:
            db.session.add(Unit(contest_id=contest.id, code=code, name=name, kind="agency",
                                block="Khối sở, ban, ngành", staff_count=staff, area_id=province.id))
            added = True
    for area in areas.children(province.id):
        code = f"UBND-{area.code}"
        if code not in have:
            staff = 25 + int(area.code) % 20  # demo staff counts, stable per commune
            db.session.add(Unit(contest_id=contest.id, code=code, name=f"UBND {area.name}", kind="commune_committee",
                                block="Khối xã, phường", staff_count=staff, area_id=area.id))
            added = True
    db.session.flush()
    return added


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

    for code, _name, _staff in AGENCIES:
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
    return [f"{len(regs)} thí sinh mô phỏng với {taken} lượt thi"]


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
