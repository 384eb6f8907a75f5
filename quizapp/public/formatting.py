"""Template filters for results and leaderboards, in Vietnamese conventions (1.234; 74,2%; 12:05)."""
from __future__ import annotations

from flask import Blueprint

from quizapp.domain.prizes import PRIZE_LABELS
from quizapp.domain.ranking import percent
from quizapp.domain.results import duration_text
from quizapp.domain.review import FLAG_LABELS


def number(value) -> str:
    """1234567 -> "1.234.567"; None -> "—"."""
    return "—" if value is None else f"{int(value):,}".replace(",", ".")


def rate(value) -> str:
    return "—" if value is None else percent(value)


def decimal(value, places: int = 2) -> str:
    """95.5 -> "95,50"."""
    return "—" if value is None else f"{value:.{places}f}".replace(".", ",")


def duration(ms) -> str:
    """Milliseconds as m:ss, or h:mm:ss from an hour (contest totals)."""
    return "—" if ms is None else duration_text(ms)


def register(bp: Blueprint) -> None:
    for name, fn in (("number", number), ("rate", rate), ("decimal", decimal), ("duration", duration)):
        bp.add_app_template_filter(fn, name)
    bp.add_app_template_global(PRIZE_LABELS, "prize_labels")
    bp.add_app_template_global(FLAG_LABELS, "flag_labels")
