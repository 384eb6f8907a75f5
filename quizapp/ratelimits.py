"""Rate limits that fit offices and mobile networks.

Signed-in actions count per account, so a whole agency behind one office address can take part together.
Only signing in, registering and resetting a forgotten password (nobody is signed in yet) count per address,
with limits high enough for an office; signing in also counts per account name and a reset per CCCD number, so
guessing one person's password or birth date stays slow. Counters
live in Redis when REDIS_URL is set, so several app servers share them (config.RATELIMIT_STORAGE_URI).
"""
from flask import current_app, make_response, request
from flask_login import current_user

from quizapp.domain.errors import DomainError
from quizapp.domain.identity import normalize_phone
from quizapp.extensions import db, limiter
from quizapp.models import utcnow
from quizapp.services import password_reset
from quizapp.web import DATABASE_UNAVAILABLE, error_response, session_user_id

SIGN_IN_PER_ADDRESS = "120 per minute;3000 per hour"
SIGN_IN_PER_ACCOUNT = "10 per minute;100 per hour"
REGISTER_PER_ADDRESS = "60 per minute;1000 per hour"
# Verifying a certificate by its code: plenty for an office checking a pile of them, slow for guessing codes.
CERTIFICATE_LOOKUP_PER_ADDRESS = "30 per minute;300 per hour"
# "Tìm tên của tôi" on a public results page: a family looking up its names, not a crawler reading everyone's.
NAME_SEARCH_PER_ADDRESS = "30 per minute"
# Forgotten passwords are rare: an office asks a few a day; one CCCD gets a handful of tries (a mistyped phone).
PASSWORD_RESET_PER_ADDRESS = "10 per minute;60 per hour"
PASSWORD_RESET_PER_CCCD = "5 per 15 minutes;20 per day"


def account_key() -> str:
    """The account for signed-in requests; the address only for anonymous ones.

    The session's own id where it names one (no database read, so the hot paths load no account); otherwise the
    loaded user (a remember-me cookie restores one)."""
    user_id = session_user_id()
    if user_id is not None:
        return f"user:{user_id}"
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return f"ip:{request.remote_addr}"


def sign_in_limit() -> str:
    return current_app.config.get("RATELIMIT_SIGN_IN") or SIGN_IN_PER_ADDRESS


def register_limit() -> str:
    return current_app.config.get("RATELIMIT_REGISTER") or REGISTER_PER_ADDRESS


def certificate_lookup_limit() -> str:
    return current_app.config.get("RATELIMIT_CERTIFICATE_LOOKUP") or CERTIFICATE_LOOKUP_PER_ADDRESS


def name_search_limit() -> str:
    return current_app.config.get("RATELIMIT_NAME_SEARCH") or NAME_SEARCH_PER_ADDRESS


def password_reset_limit() -> str:
    return current_app.config.get("RATELIMIT_PASSWORD_RESET") or PASSWORD_RESET_PER_ADDRESS


def password_reset_cccd_limit() -> str:
    return current_app.config.get("RATELIMIT_PASSWORD_RESET_CCCD") or PASSWORD_RESET_PER_CCCD


def password_reset_cccd() -> str:
    """The CCCD a reset is asked for, digits only, from the form or the JSON body (what is counted, never logged)."""
    body = request.get_json(silent=True) if request.is_json else None
    raw = (body or {}).get("cccd", "") if isinstance(body, dict) else request.form.get("cccd", "")
    return "".join(ch for ch in str(raw) if ch.isdigit())[:20]


def password_reset_cccd_key() -> str:
    return f"reset:{password_reset_cccd()}"


def sign_in_account_limit() -> str:
    return current_app.config.get("RATELIMIT_SIGN_IN_ACCOUNT") or SIGN_IN_PER_ACCOUNT


def sign_in_name_key() -> str:
    """The account name being signed in to (phone normalised), from the form or the JSON body."""
    body = request.get_json(silent=True) if request.is_json else None
    raw = str((body or {}).get("identifier", "") if body is not None else request.form.get("identifier", ""))
    raw = raw.strip().lower()
    try:
        raw = normalize_phone(raw)
    except DomainError:
        digits = "".join(ch for ch in raw if ch.isdigit())
        raw = digits if len(digits) == 12 else raw
    return f"signin:{raw[:80]}"


TOO_MANY_RESETS = ("Bạn đã thử đặt lại mật khẩu quá nhiều lần. Vui lòng chờ ít phút rồi thử lại, hoặc liên hệ "
                   "Ban Tổ chức để được cấp đường dẫn đặt lại mật khẩu.")


def password_reset_breached(limit: str):
    """The on_breach callback of a reset limit ("address" or "cccd"): log the blocked try, answer in Vietnamese."""

    def breached(_request_limit):
        try:
            password_reset.record_blocked(limit, password_reset_cccd(), utcnow(), request.remote_addr or "")
        except DATABASE_UNAVAILABLE:  # raised in here, Flask-Limiter would take it for Redis being down
            db.session.rollback()
        return make_response(error_response(429, TOO_MANY_RESETS, "rate_limited"))

    return breached


def password_reset_limits(methods: list[str] | None = None):
    """Both limits of a reset (per address, per CCCD), shared by the page and the API: one counter each."""
    def decorate(view):
        view = limiter.shared_limit(password_reset_cccd_limit, "password_reset_cccd", key_func=password_reset_cccd_key,
                                    methods=methods, exempt_when=lambda: not password_reset_cccd(),
                                    on_breach=password_reset_breached("cccd"))(view)
        return limiter.shared_limit(password_reset_limit, "password_reset_address", methods=methods,
                                    on_breach=password_reset_breached("address"))(view)

    return decorate
