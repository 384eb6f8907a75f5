"""`flask contestants import CONTEST_SLUG PATH [--dry-run]`: register a list of contestants, all or nothing.
`flask contestants anonymise-requested`: anonymise those who asked for deletion, once their results are final."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from quizapp.models import utcnow
from quizapp.services import contestants as contestant_service
from quizapp.services import contests, personal_data


@click.group()
def contestants():
    """Contestants of a contest."""


@contestants.command("import")
@click.argument("contest_slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra và báo cáo, không ghi gì.")
@with_appcontext
def import_(contest_slug: str, path: Path, dry_run: bool):
    """Import the contestants listed in PATH (.xlsx or .csv, Vietnamese headers) into CONTEST_SLUG."""
    contest = contests.get_contest(contest_slug)
    if contest is None:
        raise click.ClickException(f"Không có cuộc thi «{contest_slug}».")
    report = contestant_service.import_contestants(contest, path.read_bytes(), path.name, utcnow(), dry_run=dry_run,
                                                   actor_name="Dòng lệnh (flask contestants import)")
    for row in report.rows:
        tag = "LỖI" if row.outcome == "error" else "OK "
        click.echo(f"  {tag} hàng {row.row}: {row.name} – {report.label(row)}")
        for p in row.problems:
            click.echo(f"        {p.column + ': ' if p.column else ''}{p.message}")
    click.echo(report.summary)
    if report.blocked:
        raise SystemExit(1)


@contestants.command("anonymise-requested")
@with_appcontext
def anonymise_requested():
    """Anonymise every account that withdrew consent, once all its contests' ranked rounds are published."""
    report = personal_data.anonymise_requested(utcnow())
    click.echo(report.summary)
