"""`flask demo seed`: the demo contest for a newcomer's first look."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from quizapp.models import utcnow
from quizapp.services import demo as demo_service


@click.group()
def demo():
    """Demo data."""


@demo.command("seed")
@with_appcontext
def seed():
    """Create the demo contest (idempotent)."""
    report = demo_service.seed_demo(utcnow(), Path(current_app.instance_path))
    if report.created:
        click.echo("Đã tạo: " + "; ".join(report.created))
    else:
        click.echo("Dữ liệu mẫu đã có sẵn, không tạo thêm gì.")
    password = report.admin_password or demo_service.admin_password(Path(current_app.instance_path))
    click.echo(f"Tài khoản quản trị: {report.admin_username} / mật khẩu: {password or '(đã đặt trước đó)'}")
