"""Signals sent inside the transaction that changes a ranking input (leaderboard aggregates subscribe here).

blinker signals (Flask's own dependency): a receiver is called with the changed object as its only argument,
in the same transaction as the change. Receivers are held strongly, so a lambda stays connected until
disconnected; connecting the same function twice keeps one connection (create_app may run many times).
"""
from __future__ import annotations

from collections.abc import Callable

from blinker import Namespace

_signals = Namespace()
attempt_finished_signal = _signals.signal("attempt-finished")
entry_status_changed_signal = _signals.signal("entry-status-changed")


def on_attempt_finished(listener: Callable) -> Callable:
    """Connect `listener(attempt)`; it runs in the same transaction as the grading."""
    attempt_finished_signal.connect(listener, weak=False)
    return listener


def attempt_finished(attempt) -> None:
    attempt_finished_signal.send(attempt)


def on_entry_status_changed(listener: Callable) -> Callable:
    """Connect `listener(registration)`, run in the transaction that disqualifies or restores an entry."""
    entry_status_changed_signal.connect(listener, weak=False)
    return listener


def entry_status_changed(registration) -> None:
    entry_status_changed_signal.send(registration)
