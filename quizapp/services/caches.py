"""The per-process caches, in one place: what a worker keeps between requests, and how tests empty it.

- `bank`: each database's copy of the active question bank, its question sets and the texts of drawn questions
  (services/attempts.py: checked again after BANK_RECHECK_SECONDS).
- `shared`: public leaderboard aggregates, the same for every visitor, kept a few seconds (services/leaderboard_store.py).

Nothing personal is kept. `clear_all()` empties both: create_app calls it, so every app starts cold (one app per
process in production; in tests, an app made by a test does not see another's ids).
"""
from __future__ import annotations

import threading
import time

from flask import current_app

bank: dict = {}  # database URL -> attempts._BankCopy


class SharedCache:
    """Public aggregates (the same for every visitor: counts, board pages, tables) kept a few seconds per process.

    Nothing personal goes in here: a contestant's own place is computed on every request. Values are plain
    data (never ORM objects). LEADERBOARD_CACHE_SECONDS sets the lifetime (default 3; 0 turns it off, as
    in tests); changes other than grading (a disqualification, a rebuild) empty it at once.
    """

    def __init__(self, size: int = 2048):
        self._data: dict = {}
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: tuple, compute):
        seconds = current_app.config.get("LEADERBOARD_CACHE_SECONDS", 0 if current_app.testing else 3)
        if seconds <= 0:
            return compute()
        key, now = (id(current_app._get_current_object()), *key), time.monotonic()
        hit = self._data.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = compute()
        with self._lock:
            if len(self._data) >= self._size:
                self._data = {k: v for k, v in self._data.items() if v[0] > now}
                if len(self._data) >= self._size:
                    self._data.clear()
            self._data[key] = (now + seconds, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


shared = SharedCache()


def clear_all() -> None:
    bank.clear()
    shared.clear()
