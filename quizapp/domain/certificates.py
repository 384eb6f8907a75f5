"""Certificates of participation and of prizes: their verification codes and the words printed on them.

A certificate belongs to one contestant in one published version of a round's results. Its code is the first
60 bits of an HMAC-SHA256 (keyed with the app's secret) of the version and the registration, in base32: the
same certificate always gets the same code, a corrected version gets new codes, and the code reveals nothing
about the person. Codes are shown in groups of four (ABCD-EFGH-JKLM); what people type back is forgiving
(lower case, spaces, dashes, and 0/1/8 read as O/I/B, which base32 does not use).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

from .prizes import PRIZE_LABELS

CODE_LENGTH = 12  # base32 characters: 60 bits
PARTICIPATION = "Đã tham gia"
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def make_code(secret: str | bytes, result_set_id: int, version: int, registration_id: int) -> str:
    """The certificate code of a registration in one result version (stable, unguessable without the secret)."""
    key = secret.encode() if isinstance(secret, str) else secret
    message = f"certificate:{result_set_id}:{version}:{registration_id}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:CODE_LENGTH]


def normalize_code(raw: str | None) -> str | None:
    """A typed code as stored (ABCDEFGHJKLM), or None when it cannot be one."""
    cleaned = "".join(ch for ch in (raw or "").upper() if ch.isalnum()).translate(_LOOKALIKES)
    if len(cleaned) != CODE_LENGTH or not set(cleaned) <= _ALPHABET:
        return None
    return cleaned


def display_code(code: str) -> str:
    """ABCDEFGHJKLM -> ABCD-EFGH-JKLM, easier to read out and type."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def outcome_label(prize: str | None) -> str:
    """"Giải Nhất" … "Giải Khuyến khích", or "Đã tham gia" for a ranked contestant without a prize."""
    return PRIZE_LABELS.get(prize, PARTICIPATION) if prize else PARTICIPATION


def long_date(day: date) -> str:
    """The date as Vietnamese documents write it: "ngày 05 tháng 3 năm 2026"."""
    return f"ngày {day.day:02d} tháng {day.month} năm {day.year}"


def score_text(correct: int, total: int, score: float) -> str:
    """"Trả lời đúng 18/20 câu, đạt 90,00 điểm" (the score is out of 100, written the Vietnamese way)."""
    return f"Trả lời đúng {correct}/{total} câu, đạt {score:.2f}".replace(".", ",") + " điểm"
