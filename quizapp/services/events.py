"""Hooks run inside the transaction that finishes an attempt (leaderboard aggregates subscribe here)."""
from __future__ import annotations

from collections.abc import Callable

_listeners: list[Callable] = []


def on_attempt_finished(listener: Callable) -> Callable:
    """Register `listener(attempt)`; it runs in the same transaction as the grading."""
    _listeners.append(listener)
    return listener


def attempt_finished(attempt) -> None:
    for listener in _listeners:
        listener(attempt)


_status_listeners: list[Callable] = []


def on_entry_status_changed(listener: Callable) -> Callable:
    """Register `listener(registration)`, run in the transaction that disqualifies or restores an entry."""
    _status_listeners.append(listener)
    return listener


def entry_status_changed(registration) -> None:
    for listener in _status_listeners:
        listener(registration)
