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
