"""The log filter: CCCD numbers, phone numbers and password hashes never reach a log line, other figures do."""
import logging

import pytest

from quizapp.log_masking import CCCD_MASK, HASH_MASK, PHONE_MASK, PersonalDataFilter, mask

SCRYPT = "scrypt:32768:8:1$r4cy9gyEJXn4XRGD$643c9e63453e8b37b8732af6809700790f42cfbacc33b5f10961"
PBKDF2 = "pbkdf2:sha256:600000$Xk2yq1$9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
ARGON2 = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"
BCRYPT = "$2b$12$KIXQJv1u5nE9dZr8m3a1eOe6Vd1w3nQJ2m4bP9nF2H2Zk1y0GQ7aS"


@pytest.mark.parametrize(("text", "expected"), [
    ("cccd 001090000123 taken", f"cccd {CCCD_MASK} taken"),
    ("Key (cccd)=(079185000001) already exists.", f"Key (cccd)=({CCCD_MASK}) already exists."),
    ("phone 0912345678", f"phone {PHONE_MASK}"),
    ("phone 0912 345 678.", f"phone {PHONE_MASK}."),
    ("phone 0912.345.678", f"phone {PHONE_MASK}"),
    ("phone +84912345678", f"phone {PHONE_MASK}"),
    ("phone 84 912 345 678", f"phone {PHONE_MASK}"),
    (f"('Lò Thị Mai', '{SCRYPT}', 1)", f"('Lò Thị Mai', '{HASH_MASK}', 1)"),
    (f"hash={PBKDF2}", f"hash={HASH_MASK}"),
    (f"hash {ARGON2} end", f"hash {HASH_MASK} end"),
    (f"hash {BCRYPT} end", f"hash {HASH_MASK} end"),
])
def test_personal_values_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "attempt 981 submitted at 2026-11-18 03:00:00 in 301250 ms",
    "score -3.25, rank 12, round 4, 200 OK",
    "GET /ket-qua/dot/12/tai-ve.csv HTTP/1.1",
    "1234567890123 is 13 digits, 12345678901 is 11",  # neither a CCCD nor a phone
    "sha256 0f4da9944739cfab4de1a5a467b2964dc9abdd561772bff73706a4012f205375e",
])
def test_other_figures_are_kept(text):
    assert mask(text) == text


def test_the_apps_own_argon2id_hash_is_masked_wherever_it_appears():
    from quizapp.passwords import hash_password

    stored = hash_password("matkhau123")
    assert stored.startswith("$argon2id$")
    for text in (f"('Lò Thị Mai', '{stored}', 1)", f"password_hash={stored}", f"[parameters: ({stored!r},)]",
                 f"hash:{stored}\nnext line"):
        masked = mask(text)
        assert HASH_MASK in masked and "argon2" not in masked and stored.split("$")[-1] not in masked, masked


def _record(msg, args=(), exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("quizapp", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_the_filter_masks_arguments_and_exception_text_and_keeps_the_record():
    try:
        raise RuntimeError(f"INSERT failed [parameters: ('001090000123', '0912345678', '1990-01-02', '{SCRYPT}')]")
    except RuntimeError:
        import sys

        record = _record("register %s from %s", ("0987654321", "10.0.0.1"), sys.exc_info())
    assert PersonalDataFilter().filter(record) is True
    line = logging.Formatter().format(record)
    assert "register <phone> from 10.0.0.1" in line
    assert "RuntimeError" in line and "Traceback" in line
    for secret in ("001090000123", "0912345678", "0987654321", "scrypt:", "r4cy9gyEJXn4XRGD"):
        assert secret not in line, secret


def test_the_filter_masks_a_record_only_once_and_survives_a_bad_format_string():
    record = _record("%d digits", ("001090000123",))
    f = PersonalDataFilter()
    assert f.filter(record) and f.filter(record)
    assert "001090000123" not in record.getMessage()


def test_installed_masking_covers_every_logger(caplog):
    from quizapp import log_masking

    log_masking.install()
    log_masking.install()  # twice: still one wrapper
    with caplog.at_level(logging.INFO):
        logging.getLogger("quizapp.services.registration").info("params %r", ("001090000123", "0912345678"))
        logging.getLogger("gunicorn.error").warning("odd 0912 345 678")
    assert "001090000123" not in caplog.text and "0912" not in caplog.text
    assert caplog.text.count(CCCD_MASK) == 1 and caplog.text.count(PHONE_MASK) == 2
