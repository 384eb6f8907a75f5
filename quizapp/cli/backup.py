"""`flask backup create [DIR]` and `flask backup restore FILE [--yes]`: the database and instance/ in one archive."""
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from quizapp.extensions import db
from quizapp.models import utcnow
from quizapp.services import backup as backup_service
from quizapp.services.backup import KEY_TABLES, BackupError

TABLE_LABELS = {"contest": "cuộc thi", "round": "đợt thi", "user_account": "tài khoản", "registration": "lượt đăng ký",
                "attempt": "bài thi", "answer": "câu trả lời", "result_set": "phiên bản kết quả"}


@click.group()
def backup():
    """Backups of the database and instance/."""


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB ({n} byte)".replace(".", ",", 1)
    return f"{n / 1024 / 1024:.1f} MB ({n} byte)".replace(".", ",", 1)


def _counts(row_counts: dict[str, int]) -> str:
    return ", ".join(f"{row_counts[t]} {TABLE_LABELS[t]}" for t in KEY_TABLES if t in row_counts)


@backup.command("create")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def create(directory: Path | None):
    """Write one backup archive (database, instance/, manifest.json) into DIRECTORY (default instance/backups)."""
    db.session.remove()
    try:
        report = backup_service.create(db.engine, current_app.instance_path, directory, utcnow(),
                                       tz=current_app.config.get("DISPLAY_TIMEZONE", "Asia/Ho_Chi_Minh"),
                                       pg_bindir=current_app.config.get("PG_BINDIR"))
    except BackupError as e:
        raise click.ClickException(e.message) from None
    m = report.manifest
    click.echo(f"Đã sao lưu vào {report.path}")
    click.echo(f"Kích thước: {_size(report.size)}; quyền 0600 (chỉ người chạy lệnh đọc được).")
    click.echo(f"Cơ sở dữ liệu: {m['database']['kind']}, phiên bản lược đồ {m['alembic_revision']}; "
               f"{sum(m['row_counts'].values())} dòng trong {len(m['row_counts'])} bảng.")
    click.echo(f"Gồm: {_counts(m['row_counts'])}.")
    click.echo(f"Kết quả đã công bố: {len(m['published_results'])} (mã SHA-256 ghi trong manifest.json).")
    click.echo(f"Tệp của instance/: {len(m['instance_files'])} ({', '.join(sorted(m['instance_files'])) or 'không có'}).")
    for w in report.warnings:
        click.echo(f"CẢNH BÁO: {w}")
    click.echo("Tệp có dữ liệu cá nhân và khóa bí mật: chép sang nơi lưu trữ an toàn ngoài máy chủ.")


@backup.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Ghi đè cả khi cơ sở dữ liệu đích đang có dữ liệu.")
@with_appcontext
def restore(file: Path, yes: bool):
    """Restore FILE (made by `flask backup create`) into DATABASE_URL's database and instance/, then check it."""
    db.session.remove()
    try:
        report = backup_service.restore(file, db.engine, current_app.instance_path, yes=yes,
                                        pg_bindir=current_app.config.get("PG_BINDIR"))
    except BackupError as e:
        raise click.ClickException(e.message) from None
    m = report.manifest
    tz = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Asia/Ho_Chi_Minh"))
    made = datetime.fromisoformat(m["created_at"]).astimezone(tz).strftime("%H:%M:%S %d/%m/%Y")
    click.echo(f"Đã khôi phục bản sao lưu lúc {made} (quizapp {m['app_version']}, "
               f"{m['database']['kind']}) vào cơ sở dữ liệu và {current_app.instance_path}.")
    click.echo("Đã kiểm tra:")
    for check in report.checks:
        click.echo(f"  {'OK ' if check.ok else 'LỖI'} {check.label}")
    for note in report.notes:
        click.echo(f"Lưu ý: {note}")
    if not report.ok:
        raise click.ClickException("Bản khôi phục không khớp bản sao lưu (xem các dòng LỖI ở trên).")
    click.echo("Khôi phục xong, mọi kiểm tra đều khớp.")
