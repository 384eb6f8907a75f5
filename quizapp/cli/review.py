"""`flask review scan CONTEST_SLUG`: find likely duplicates and suspicious signs for organisers to review."""
import click
from flask.cli import with_appcontext

from quizapp.models import utcnow
from quizapp.services import contests, integrity


@click.group()
def review():
    """Review of entries (duplicates, flags)."""


@review.command("scan")
@click.argument("contest_slug")
@with_appcontext
def scan(contest_slug: str):
    """Add new duplicate candidates and flags for CONTEST_SLUG; running it again adds nothing twice."""
    contest = contests.get_contest(contest_slug)
    if contest is None:
        raise click.ClickException(f"Không có cuộc thi «{contest_slug}».")
    report = integrity.scan(contest, utcnow())
    click.echo(report.summary)
