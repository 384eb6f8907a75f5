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


@demo.command("synth")
@click.option("--attempts", "attempts", type=int, required=True, help="Finished attempts to add.")
@click.option("--round", "round_number", type=int, default=None,
              help="Round number (default: the latest ranked round that has closed).")
@click.option("--each", type=int, default=1, show_default=True, help="Attempts per new contestant.")
@click.option("--seed", type=int, default=None, help="Random seed (repeatable data).")
@with_appcontext
def synth(attempts, round_number, each, seed):
    """Add N synthetic finished attempts to the demo contest, in bulk (for the board and results benchmarks)."""
    from quizapp.services import synth as synth_service

    try:
        report = synth_service.synthesize(attempts, utcnow(), round_number, each, seed)
    except synth_service.SynthError as e:
        raise click.ClickException(e.message) from None
    click.echo(f"Đã thêm {report.contestants} thí sinh mô phỏng với {report.attempts} lượt thi đã nộp vào "
               f"{report.round_name} ({report.seconds_insert:.1f} s ghi dữ liệu, {report.seconds_aggregates:.1f} s "
               "tính lại bảng xếp hạng).")
