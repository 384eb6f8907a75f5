"""Rate limits that fit offices and mobile networks.

Signed-in actions count per account, so a whole agency behind one office address can take part together.
Only signing in and registering (nobody is signed in yet) count per address, with limits high enough for an
office; signing in also counts per account name, so guessing one person's password stays slow. Counters
live in Redis when REDIS_URL is set, so several app servers share them (config.RATELIMIT_STORAGE_URI).
"""
from flask import current_app, request
from flask_login import current_user

from quizapp.domain.errors import DomainError
from quizapp.domain.identity import normalize_phone

SIGN_IN_PER_ADDRESS = "120 per minute;3000 per hour"
SIGN_IN_PER_ACCOUNT = "10 per minute;100 per hour"
REGISTER_PER_ADDRESS = "60 per minute;1000 per hour"
# Verifying a certificate by its code: plenty for an office checking a pile of them, slow for guessing codes.
CERTIFICATE_LOOKUP_PER_ADDRESS = "30 per minute;300 per hour"


def account_key() -> str:
    """The account for signed-in requests; the address only for anonymous ones."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return f"ip:{request.remote_addr}"


def sign_in_limit() -> str:
    return current_app.config.get("RATELIMIT_SIGN_IN") or SIGN_IN_PER_ADDRESS


def register_limit() -> str:
    return current_app.config.get("RATELIMIT_REGISTER") or REGISTER_PER_ADDRESS


def certificate_lookup_limit() -> str:
    return current_app.config.get("RATELIMIT_CERTIFICATE_LOOKUP") or CERTIFICATE_LOOKUP_PER_ADDRESS


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
