"""Configuration read from the environment when the app is created, never at import time."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/secret_key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'quizapp.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def engine_options(url: str) -> dict:
    """Pool settings: SQLite gets a busy timeout (WAL is set on connect); PostgreSQL a recycled pool.

    SQL parameters (names, CCCD, phones, password hashes) are never put into error messages, so never into logs.
    """
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}, "hide_parameters": True}
    # No pre-ping: a SELECT 1 before every checkout was a tenth of a save's round trips. A connection found dead
    # (the server restarted) fails its request with 503 and makes the pool replace every older connection, so the
    # next requests work again (tests/web/test_pg_restart.py); recycling bounds a connection's age anyway.
    return {"pool_size": int(os.environ.get("DB_POOL_SIZE", "5")), "max_overflow": 10,
            "pool_recycle": int(os.environ.get("DB_POOL_RECYCLE_SECONDS", "1800")), "hide_parameters": True}


def redis_timeouts() -> dict:
    """Seconds to wait for Redis: an unreachable Redis must cost a request this much once, not a TCP timeout."""
    seconds = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.5") or 0.5)
    return {"socket_connect_timeout": seconds, "socket_timeout": seconds}


def from_env(instance_path: str | Path) -> dict:
    """Build the config mapping from the environment."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    url = _database_url(instance)
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Redis down: each worker counts the same limits in its own memory until Redis answers again
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": redis_timeouts(),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "quizapp"),  # several sites on one Redis
        # Seconds a worker trusts its copy of the bank before checking for changes (services/attempts.py).
        "BANK_RECHECK_SECONDS": float(os.environ.get("BANK_RECHECK_SECONDS", "2") or 2),
        "RATELIMIT_HEADERS_ENABLED": False,  # no X-RateLimit headers (Redis reads); refusals get Retry-After (web.py)
        "RATELIMIT_SIGN_IN": os.environ.get("RATELIMIT_SIGN_IN") or None,  # per address; see quizapp/ratelimits.py
        "RATELIMIT_REGISTER": os.environ.get("RATELIMIT_REGISTER") or None,
        "RATELIMIT_PASSWORD_RESET": os.environ.get("RATELIMIT_PASSWORD_RESET") or None,  # forgotten password, per address
        "RATELIMIT_PASSWORD_RESET_CCCD": os.environ.get("RATELIMIT_PASSWORD_RESET_CCCD") or None,  # ... per CCCD
        "DISPLAY_TIMEZONE": os.environ.get("DISPLAY_TIMEZONE", DEFAULT_TIMEZONE),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        # "basic", not "strong": a phone changes address all the time on a mobile network, and "strong" would then
        # drop the session and the remember-me cookie in the middle of an attempt.
        "SESSION_PROTECTION": "basic",
        # Without "remember me" the session cookie is a browser-session cookie (sessions are never made permanent,
        # so PERMANENT_SESSION_LIFETIME does not apply). With it, a signed remember-me cookie brings the account back
        # after the browser is closed, for a year from the sign-in: longer than any contest (several weekly rounds),
        # so nobody needs to sign in when a round opens. It is not renewed per request (no cookie, no database
        # write); restoring from it is one read of the account (a locked account is not authenticated: User.is_active).
        # As guarded as the session: its Secure follows SESSION_COOKIE_SECURE (set in create_app so that a test's
        # or a deployment's override carries over).
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(os.environ.get("REMEMBER_COOKIE_DAYS", "365") or 365)),
        "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0") or 0),
        "QUESTION_BANK_DIR": os.environ.get("QUESTION_BANK_DIR") or None,  # a bank under review; default question_bank/
        "PG_BINDIR": os.environ.get("PG_BINDIR") or None,  # pg_dump/pg_restore matching the server, for backups
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,  # one-time links are also e-mailed when set
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587") or 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM") or None,
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "1") != "0",
    }
