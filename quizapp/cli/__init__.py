"""Flask command groups: `flask demo ...`, `flask bank ...`, and others."""
from flask import Flask


def init_app(app: Flask) -> None:
    from quizapp.cli.bank import bank
    from quizapp.cli.demo import demo

    app.cli.add_command(demo)
    app.cli.add_command(bank)
