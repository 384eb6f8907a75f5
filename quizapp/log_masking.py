"""Logs never hold personal data or secrets: CCCD numbers, phone numbers and password hashes are masked in every
log record, its arguments and its exception text, whichever logger or handler it goes through.

The database engine also hides SQL parameters (`hide_parameters`, see config.engine_options); this is the second
line, for what still slips into a message, such as PostgreSQL's "Key (cccd)=(001090000123) already exists".
"""
from __future__ import annotations

import logging
import re
import traceback

# A 12-digit CCCD (not part of a longer number).
_CCCD = re.compile(r"(?<!\d)\d{12}(?!\d)")
# A Vietnamese mobile number: 0912345678, 0912 345 678, 0912.345.678, 84912345678, +84 912 345 678.
_PHONE = re.compile(r"(?<![\d+])(?:\+?84[ .]?|0)[35789]\d{2}[ .]?\d{3}[ .]?\d{3}(?!\d)")
# Werkzeug's hashes (scrypt:…, pbkdf2:…) and the usual others (argon2, bcrypt), up to a quote, space or bracket.
_HASH = re.compile(r"(?:\b(?:scrypt|pbkdf2|argon2(?:id|i|d)?)[:$]|\$argon2(?:id|i|d)?\$|\$2[aby]\$\d\d\$)"
                   r"[^\s'\"()\]]*")

CCCD_MASK, PHONE_MASK, HASH_MASK = "<cccd>", "<phone>", "<password-hash>"


def mask(text: str) -> str:
    """The text with password hashes, CCCD numbers and phone numbers replaced by placeholders."""
    text = _HASH.sub(HASH_MASK, text)
    text = _CCCD.sub(CCCD_MASK, text)
    return _PHONE.sub(PHONE_MASK, text)


class PersonalDataFilter(logging.Filter):
    """Masks the record in place (message, arguments, exception and stack text); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask(message), None
        if record.exc_info and record.exc_info[0] is not None:
            # Formatted here and the original dropped, so no handler formats the raw exception again.
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_info = None
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        record._masked = True
        return True


FILTER = PersonalDataFilter()


def install() -> None:
    """Mask every record as it is made (all loggers, all handlers, also those gunicorn adds later). Idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_personal_data", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        FILTER.filter(record)
        return record

    factory.masks_personal_data = True
    logging.setLogRecordFactory(factory)
