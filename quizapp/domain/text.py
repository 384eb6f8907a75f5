"""Text normalisation shared by import, search and duplicate detection."""
from __future__ import annotations

import re
import string
import unicodedata

_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[%s\u2013\u2014\u2018\u2019\u201c\u201d\u2026«»]" % re.escape(string.punctuation))


def normalize_text(value: str | None) -> str:
    """NFC, strip control characters, collapse whitespace to single spaces."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", str(value))
    value = "".join(ch if (ch in "\t\n\r" or unicodedata.category(ch)[0] != "C") else " " for ch in value)
    return _WS.sub(" ", value).strip()


def fold_accents(value: str) -> str:
    """Lower-case and drop diacritics, for accent-insensitive search ('cai cach' finds 'cải cách')."""
    decomposed = unicodedata.normalize("NFD", normalize_text(value).lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


def dedup_key(value: str) -> str:
    """Key for exact-duplicate detection: case, whitespace and punctuation ignored, diacritics kept."""
    lowered = normalize_text(value).lower()
    return _WS.sub(" ", _PUNCT.sub(" ", lowered)).strip()
