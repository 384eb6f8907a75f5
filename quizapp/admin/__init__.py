"""The organisers' console: one blueprint package, a module per area, every route scoped by services/access.py.

dashboard (contests, live view) · contests (setup, question sets, copy, definition file) · rounds · places
(areas and units) · staff (admins: accounts and roles) · people (help desk) · bank (question bank, topics) ·
review (duplicates, flags, entries, audit log, contestant import) · results (compute → publish, prizes) ·
live (in-hall sessions: setup, host screen, results)
"""
from flask import Flask


def register(app: Flask) -> None:
    from quizapp.admin import bank, contests, dashboard, live, people, places, results, review, rounds, staff

    for module in (dashboard, contests, rounds, places, staff, people, bank, review, results, live):
        app.register_blueprint(module.bp)
