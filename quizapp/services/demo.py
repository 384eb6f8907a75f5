"""The demo contest that `make run` shows a newcomer. Seeding is idempotent."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Area, Contest, Round, Track, Unit, User
from quizapp.services import areas, bank

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
    db.session.commit()
    return SeedReport(created, ADMIN_USERNAME, password)


def _create_contest(province: Area, now: datetime) -> Contest:
    contest = Contest(
        slug=DEMO_SLUG, title=DEMO_TITLE, organizer_name=f"Ủy ban nhân dân tỉnh {province.name}",
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


def admin_password(instance_path: Path) -> str | None:
    """The demo admin's password, if this instance generated one."""
    f = instance_path / "demo_admin_password"
    return f.read_text().strip() if f.exists() else None
