"""Flask command groups: `flask demo ...`, `flask bank ...`, `flask attempts ...`, `flask backup ...`, and others."""
from flask import Flask


def init_app(app: Flask) -> None:
    from quizapp.cli.attempts import attempts
    from quizapp.cli.backup import backup
    from quizapp.cli.bank import bank
    from quizapp.cli.contest import areas_group, contest, staff_group, units_group
    from quizapp.cli.contestants import contestants
    from quizapp.cli.demo import demo
    from quizapp.cli.results import results
    from quizapp.cli.review import review

    app.cli.add_command(demo)
    app.cli.add_command(bank)
    app.cli.add_command(attempts)
    app.cli.add_command(results)
    app.cli.add_command(contestants)
    app.cli.add_command(review)
    app.cli.add_command(backup)
    for group in (contest, staff_group, areas_group, units_group):
        app.cli.add_command(group)
