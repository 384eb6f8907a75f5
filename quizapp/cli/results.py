"""`flask results compute|export|publish|items`: a round's results from the command line."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from quizapp.domain.errors import DomainError
from quizapp.domain.prizes import PRIZE_LABELS
from quizapp.domain.review import FLAG_LABELS
from quizapp.extensions import db
from quizapp.models import Round, utcnow
from quizapp.services import item_stats as item_stats_service
from quizapp.services import results as results_service


@click.group()
def results():
    """Round results."""


def _fail(e: DomainError):
    raise click.ClickException(e.message)


@results.command("compute")
@click.argument("round_id", type=int)
@with_appcontext
def compute(round_id: int):
    """Compute (or recompute) the draft results of ROUND_ID."""
    try:
        result = results_service.compute(round_id, utcnow())
    except DomainError as e:
        _fail(e)
    rnd = result.round
    click.echo(f"Đã tính kết quả {rnd.name} (phiên bản {result.version}, bản nháp): {result.ranked_count} thí sinh được xếp hạng.")
    if result.prediction_actual is not None:
        click.echo(f"Đáp án câu hỏi dự đoán: {result.prediction_actual}.")
    for t in result.summary["tracks"]:
        click.echo(f"  {t['name']}: {t['ranked']} thí sinh")
    flagged = results_service.flagged(result)
    waiting = [f for f in flagged if f.blocking]
    click.echo(f"Bị gắn cờ: {len(flagged)} (đoạt giải, chưa xem xét: {len(waiting)}).")
    for f in waiting:
        labels = ", ".join(FLAG_LABELS.get(x, x) for x in f.flags)
        click.echo(f"  hạng {f.entry.rank} {f.entry.track_name} – {f.entry.full_name} "
                   f"({PRIZE_LABELS[f.entry.prize]}, bài thi {f.entry.attempt_id}): {labels}")


@results.command("export")
@click.argument("round_id", type=int)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--public", is_flag=True, help="Bản công khai (chỉ họ tên và đơn vị/xã, phường) của kết quả đã công bố.")
@click.option("--version", "version", type=int, help="Phiên bản kết quả (mặc định: bản mới nhất).")
@click.option("--contacts", is_flag=True,
              help="Thêm số điện thoại, số CCCD, ngày sinh, email của người đoạt giải (bản đầy đủ; được ghi nhật ký).")
@with_appcontext
def export(round_id: int, path: Path, public: bool, version: int | None, contacts: bool):
    """Write the results of ROUND_ID to PATH (.xlsx or .csv)."""
    fmt = {".xlsx": "xlsx", ".csv": "csv"}.get(path.suffix.lower())
    if fmt is None:
        raise click.ClickException("Tên tệp phải kết thúc bằng .xlsx hoặc .csv.")
    if public and contacts:
        raise click.ClickException("Bản công khai không bao giờ có thông tin liên hệ; bỏ --contacts hoặc --public.")
    try:
        data, _name = results_service.export(round_id, fmt, public=public, version=version, contacts=contacts,
                                             now=utcnow())
    except DomainError as e:
        _fail(e)
    path.write_bytes(data)
    what = "bản công khai" if public else "bản đầy đủ" + (" kèm liên hệ người đoạt giải" if contacts else "")
    click.echo(f"Đã xuất {what} ra {path} ({len(data)} byte).")
    if public and fmt == "csv":
        click.echo(f"SHA-256: {results_service.export_format.sha256_hex(data)}")


@results.command("publish")
@click.argument("round_id", type=int)
@click.option("--reason", default="", help="Lý do đính chính (bắt buộc khi đợt đã công bố kết quả).")
@with_appcontext
def publish(round_id: int, reason: str):
    """Approve the draft of ROUND_ID (if not yet approved) and publish it."""
    now = utcnow()
    try:
        result = results_service.open_version(round_id)
        if result is None:
            raise click.ClickException("Chưa có bản kết quả nào đang chuẩn bị; hãy chạy `flask results compute` trước.")
        if result.status == results_service.DRAFT:
            result = results_service.approve(result.id, now)
        result = results_service.publish(result.id, now, reason=reason)
    except DomainError as e:
        _fail(e)
    click.echo(f"Đã công bố kết quả {result.round.name}, phiên bản {result.version}.")
    click.echo(f"SHA-256 của tệp CSV công khai: {result.digest}")


@results.command("items")
@click.argument("round_id", type=int)
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def items(round_id: int, path: Path):
    """Item statistics of ROUND_ID (facility, discrimination, options chosen, flags) to PATH (.xlsx or .csv)."""
    fmt = {".xlsx": "xlsx", ".csv": "csv"}.get(path.suffix.lower())
    if fmt is None:
        raise click.ClickException("Tên tệp phải kết thúc bằng .xlsx hoặc .csv.")
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        raise click.ClickException(f"Không có đợt thi số {round_id}.")
    found = item_stats_service.for_round(rnd)
    data, _name = item_stats_service.export(found, fmt)
    path.write_bytes(data)
    s = found.summary
    click.echo(f"{rnd.name}: {s.attempts} bài thi, {s.questions} câu hỏi, {s.flagged} câu cần xem lại. Đã ghi {path}.")
    for row in found.rows:
        if row.stat.serious:
            click.echo(f"  {row.ref} ({row.topic}): {'; '.join(row.flag_labels)}")
