"""`flask attempts close-expired`: close attempts whose time (plus grace) ran out, for a cron or systemd timer."""
import click
from flask.cli import with_appcontext

from quizapp.models import utcnow
from quizapp.services import attempts as attempts_service


@click.group()
def attempts():
    """Timed attempts."""


@attempts.command("close-expired")
@with_appcontext
def close_expired():
    """Grade and close every attempt past its deadline plus grace (safe to run at any time, repeatedly)."""
    closed = attempts_service.close_expired(utcnow())
    if closed:
        click.echo(f"Đã đóng {closed} bài thi quá giờ.")
    else:
        click.echo("Không có bài thi quá giờ nào cần đóng.")
