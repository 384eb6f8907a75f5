"""`flask contest ...`, `flask staff add`, `flask areas ...`, `flask units import`: setting contests up from the
command line, in the organiser's terms (times are Asia/Ho_Chi_Minh). The command line acts as the site operator."""
from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from quizapp.domain import contest_setup as setup
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Contest, utcnow
from quizapp.services import areas as area_service
from quizapp.services import contest_setup, contests, dashboard, staff
from quizapp.services import units as unit_service


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def _contest(slug: str) -> Contest:
    contest = contests.get_contest(slug)
    if contest is None:
        raise click.ClickException(f"Không có cuộc thi «{slug}». Xem danh sách: flask contest list")
    return contest


def _run(step):
    try:
        return step()
    except DomainError as e:
        raise click.ClickException(e.message) from None


@click.group()
def contest():
    """Contests: list, create, add rounds, export and load definition files."""


@contest.command("list")
@with_appcontext
def list_():
    """Every contest, with its organising body, state and rounds."""
    now = utcnow()
    rows = db.session.scalars(db.select(Contest).order_by(Contest.id))
    for c in rows:
        state = dashboard.contest_state(c, now)[0] if c.is_published else "draft"
        click.echo(f"{c.slug:28} {c.title} – {c.organizer_name} [{state}], {len(c.rounds)} đợt, tỉnh {c.province_code or '—'}")


@contest.command("create")
@click.argument("slug")
@click.option("--title", required=True, help="Tên cuộc thi.")
@click.option("--province", "province", required=True, help="Mã tỉnh, thành phố (2 chữ số, ví dụ 08).")
@click.option("--organizer", default="", help="Cơ quan tổ chức (mặc định: UBND tỉnh).")
@click.option("--group-level", type=click.Choice(setup.GROUP_LEVELS), default="commune")
@click.option("--unpublished", is_flag=True, help="Chưa công bố (không hiện trên trang chủ).")
@with_appcontext
def create(slug, title, province, organizer, group_level, unpublished):
    """Create contest SLUG with the province's current communes and the national core as its question set."""
    code = f"{int(province):02d}" if province.isdigit() else province
    body = organizer or f"Ủy ban nhân dân {area_service.province_name(code) or 'tỉnh'}"
    settings = contest_setup.ContestSettings(slug=slug, title=title, organizing_body=body, province_code=code,
                                             group_level=group_level, is_published=not unpublished)
    c = _run(lambda: contest_setup.create_contest(settings, None, utcnow()))
    click.echo(f"Đã tạo cuộc thi «{c.title}» ({c.slug}), {len(area_service.tree(c))} địa bàn.")


@contest.command("round-add")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--opens", required=True, help="Mở lúc, giờ Việt Nam: \"YYYY-MM-DD HH:MM\".")
@click.option("--closes", required=True, help="Đóng lúc, giờ Việt Nam (\"... 24:00\" được chấp nhận).")
@click.option("--questions", type=int, default=20, show_default=True)
@click.option("--minutes", type=int, default=20, show_default=True)
@click.option("--attempts", type=int, default=None, help="Số lượt tối đa (mặc định: không giới hạn).")
@click.option("--counting", type=click.Choice(("best", "first", "last", "earliest_perfect")), default="best")
@click.option("--topics", default="", help="Mã chủ đề cách nhau bằng dấu phẩy: lấy đều câu hỏi từ các chủ đề này.")
@click.option("--practice", is_flag=True, help="Vòng thi thử (không xếp hạng, dùng bộ câu hỏi thi thử).")
@with_appcontext
def round_add(slug, name, opens, closes, questions, minutes, attempts, counting, topics, practice):
    """Add a round to contest SLUG."""
    c = _contest(slug)
    tz = _tz()
    chosen = [t.strip() for t in topics.split(",") if t.strip()]
    blueprint = [{"topic": t, "count": n} for t, n in zip(chosen, _spread(questions, len(chosen)))] if chosen else []
    settings = _run(lambda: contest_setup.RoundSettings(
        name=name, opens_at=setup.parse_local_time(opens, tz, "--opens"),
        closes_at=setup.parse_local_time(closes, tz, "--closes"), question_count=questions,
        time_limit_minutes=minutes, attempts_allowed=attempts, counting_rule=counting, prediction_mode=None,
        prediction_question="", blueprint=blueprint, single_device=False,
        kind="practice" if practice else "weekly"))
    rnd = _run(lambda: contest_setup.add_round(c, settings, utcnow()))
    click.echo(f"Đã thêm {rnd.name} (số {rnd.number}) vào «{c.title}».")


def _spread(total: int, parts: int) -> list[int]:
    """`total` questions over `parts` topics as evenly as possible (the first topics get the remainder)."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


@contest.command("export")
@click.argument("slug")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export(slug, path: Path):
    """Write the whole definition of contest SLUG (YAML) to PATH."""
    path.write_text(contest_setup.export_yaml(_contest(slug), _tz()), encoding="utf-8")
    click.echo(f"Đã ghi định nghĩa cuộc thi ra {path}.")


@contest.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def load(path: Path):
    """Create or update the contest a definition file describes (idempotent, all or nothing)."""
    report = _run(lambda: contest_setup.load_yaml(path.read_bytes(), None, utcnow(), _tz()))
    click.echo(report.summary)


@contest.command("question-sets")
@click.argument("slug")
@click.option("--ranked", default="", help="Mã chủ đề cho các đợt thi chính thức, cách nhau bằng dấu phẩy.")
@click.option("--practice", default="", help="Mã chủ đề cho vòng thi thử.")
@with_appcontext
def question_sets(slug, ranked, practice):
    """Choose the topics contest SLUG draws from (replaces the current choice)."""
    c = _contest(slug)
    by_slug = {ch.topic.slug: ch.topic.id for ch in contest_setup.topic_choices(c)}
    uses = {}
    for use, listed in (("ranked", ranked), ("practice", practice)):
        for s in (x.strip() for x in listed.split(",") if x.strip()):
            if s not in by_slug:
                raise click.ClickException(f"Không có chủ đề «{s}» (hoặc cuộc thi không được dùng).")
            uses[by_slug[s]] = use
    _run(lambda: contest_setup.set_question_sets(c, uses, None, utcnow()))
    click.echo(f"Đã chọn {len(uses)} chủ đề cho «{c.title}».")


# ---------------------------------------------------------------- staff


@click.group("staff")
def staff_group():
    """Staff accounts and their roles per contest."""


@staff_group.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice(("organizer", "moderator")), required=True)
@click.option("--contest", "slug", required=True)
@click.option("--unit", "unit_code", default=None, help="Mã đơn vị (người theo dõi đơn vị).")
@click.option("--area", "area_code", default=None, help="Mã địa bàn (người theo dõi địa bàn).")
@click.option("--password", default=None, help="Mật khẩu (bỏ trống: in ra đường dẫn đặt mật khẩu dùng một lần).")
@click.option("--name", "full_name", default="", help="Họ và tên.")
@with_appcontext
def staff_add(login, role, slug, unit_code, area_code, password, full_name):
    """Create the staff account LOGIN (if new) and give it a role in a contest."""
    c, now = _contest(slug), utcnow()
    user = staff.find_staff(login) or _run(lambda: staff.create_staff(login, full_name or login, None, now,
                                                                       password=password))
    if password and user.password_hash == "":
        _run(lambda: staff.set_password(user, password))
        db.session.commit()
    unit = unit_service.find(c, unit_code) if unit_code else None
    area = area_service.find(c, area_code) if area_code else None
    if unit_code and unit is None:
        raise click.ClickException(f"Cuộc thi không có đơn vị mã «{unit_code}».")
    if area_code and area is None:
        raise click.ClickException(f"Cuộc thi không có địa bàn mã «{area_code}».")
    _run(lambda: staff.add_membership(user, c, role, None, now, unit=unit, area=area))
    click.echo(f"{user.username}: {'Ban Tổ chức' if role == 'organizer' else 'người theo dõi'} của «{c.title}».")
    if not user.password_hash:
        token = staff.issue_link(user, "staff_setup", None, now)
        click.echo(f"Đường dẫn đặt mật khẩu (dùng một lần): /dat-mat-khau/{token}")


# ---------------------------------------------------------------- areas and units


def _print_import(report) -> None:
    for p in report.problems:
        click.echo(f"  LỖI hàng {p.row}{', cột ' + p.column if p.column else ''}: {p.message}")
    click.echo(report.summary)
    if report.blocked:
        raise SystemExit(1)


@click.group("areas")
def areas_group():
    """A contest's area tree."""


@areas_group.command("load")
@click.argument("slug")
@click.option("--province", "province", required=True, help="Mã tỉnh, thành phố (2 chữ số).")
@with_appcontext
def areas_load(slug, province):
    """Load the province's current communes and wards into contest SLUG (idempotent)."""
    c = _contest(slug)
    code = f"{int(province):02d}" if province.isdigit() else province
    c.province_code = code
    _run(lambda: area_service.reload_province(c, utcnow(), None))
    click.echo(f"«{c.title}»: {len(area_service.tree(c))} địa bàn.")


@areas_group.command("import")
@click.argument("slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra và báo cáo, không ghi gì.")
@with_appcontext
def areas_import(slug, path: Path, dry_run):
    """Import an area tree (xlsx/CSV: code, name, parent code, level, population) into contest SLUG."""
    _print_import(area_service.import_areas(_contest(slug), path.read_bytes(), path.name, utcnow(), None, dry_run))


@click.group("units")
def units_group():
    """A contest's units."""


@units_group.command("import")
@click.argument("slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra và báo cáo, không ghi gì.")
@with_appcontext
def units_import(slug, path: Path, dry_run):
    """Import units (xlsx/CSV: code, name, kind, block, parent, area, staff count) into contest SLUG."""
    _print_import(unit_service.import_units(_contest(slug), path.read_bytes(), path.name, utcnow(), None, dry_run))
