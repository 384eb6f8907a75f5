"""Whether the Redis that holds the rate-limit counters answers, with one log warning per outage.

Redis holds nothing else: sessions are signed cookies and the leaderboard cache lives in each process
(services/leaderboard_store.py). When Redis is down, Flask-Limiter counts the same limits in each worker's
memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) and goes back to Redis by itself once it answers again.
Flask-Limiter's own fall-back and recovery messages are turned into this module's, so that the log says
once per outage, in one wording, what happened and what it means. Nothing personal is logged.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, has_app_context
from limits.storage import storage_from_string

log = logging.getLogger("quizapp.redis")
LIMITER_LOGGER = "flask-limiter"
LIMITER_DOWN = "Rate limit storage unreachable"  # Flask-Limiter's messages (flask_limiter/_extension.py)
LIMITER_UP = "Rate limit storage recovered"


class RedisWatch:
    """One app's view of Redis: up or down, changed by whoever notices first (the limiter or /healthz)."""

    def __init__(self, uri: str, options: dict):
        self.down = False
        self._lock = threading.Lock()
        self._uri, self._options = uri, options
        self._storage = None

    def ping(self) -> bool:
        """A PING within REDIS_TIMEOUT_SECONDS, on a client of its own (the limiter is shared by every app)."""
        try:
            if self._storage is None:
                self._storage = storage_from_string(self._uri, **self._options)
            return bool(self._storage.check())
        except Exception:  # noqa: BLE001  (whatever the client raises, Redis is not usable)
            return False

    def report(self, reachable: bool, seen_by: str) -> None:
        with self._lock:
            changed = self.down == reachable
            self.down = not reachable
        if changed and not reachable:
            log.warning("Redis unreachable (noticed by the %s): rate limits are counted in each worker's memory "
                        "until it answers again", seen_by)
        elif changed:
            log.info("Redis reachable again (noticed by the %s): rate limits are shared again", seen_by)


def watch(app: Flask | None = None) -> RedisWatch:
    app = app or current_app
    if "redis_watch" not in app.extensions:
        app.extensions["redis_watch"] = RedisWatch(app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
                                                   dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {}))
    return app.extensions["redis_watch"]


def in_use(app: Flask | None = None) -> bool:
    """True when rate limits are configured to live in Redis (REDIS_URL set), not in memory."""
    uri = str((app or current_app).config.get("RATELIMIT_STORAGE_URI") or "memory://")
    return not uri.startswith("memory://")


def state() -> str | None:
    """'ok' or 'degraded' for the Redis behind the rate limits; None when they are kept in memory anyway."""
    if not in_use():
        return None
    reachable = watch().ping()
    watch().report(reachable, "health check")
    return "ok" if reachable else "degraded"


class _LimiterMessages(logging.Filter):
    """Turns Flask-Limiter's fall-back/recovery records into a report to the app's watch (and drops them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        for prefix, reachable in ((LIMITER_DOWN, False), (LIMITER_UP, True)):
            if message.startswith(prefix) and has_app_context():
                watch().report(reachable, "rate limiter")
                return False
        return True


def init_app(app: Flask) -> None:
    watch(app)
    limiter_log = logging.getLogger(LIMITER_LOGGER)
    if not any(isinstance(f, _LimiterMessages) for f in limiter_log.filters):
        limiter_log.addFilter(_LimiterMessages())
