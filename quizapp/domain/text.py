"""Text normalisation shared by import, search and duplicate detection."""
from __future__ import annotations

import re
import string
import unicodedata

_WS = re.compile(r"\s+")
# Control and invisible format characters (zero-width spaces, BOM, bidi marks) that pasted text carries.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_PUNCT = re.compile(rf"[{re.escape(string.punctuation)}\u2013\u2014\u2018\u2019\u201c\u201d\u2026«»]")


def normalize_text(value: str | None) -> str:
    """NFC, strip control characters, collapse whitespace to single spaces."""
    if value is None:
        return ""
    value = str(value)
    if value.isprintable() and "  " not in value and value == value.strip() and unicodedata.is_normalized("NFC", value):
        return value  # already clean: the common case, checked at C speed
    value = unicodedata.normalize("NFC", value)
    return _WS.sub(" ", _INVISIBLE.sub(" ", value)).strip()


def fold_accents(value: str) -> str:
    """Lower-case and drop diacritics, for accent-insensitive search ('cai cach' finds 'cải cách')."""
    lowered = normalize_text(value).lower()
    fast = lowered.translate(_LATIN_FOLD)
    return fast if fast.isascii() else _fold_slowly(lowered)


def _fold_slowly(lowered: str) -> str:
    decomposed = unicodedata.normalize("NFD", lowered)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


# Lower-case accented Latin letters (all of Vietnamese) and what _fold_slowly makes of each, when that is ASCII:
# folding them one by one through this table is the same as folding the whole text, only faster.
_LATIN_FOLD = {code: folded for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]
               if chr(code).lower() == chr(code) and (folded := _fold_slowly(chr(code))).isascii()}


def dedup_key(value: str) -> str:
    """Key for exact-duplicate detection: case, whitespace and punctuation ignored, diacritics kept."""
    lowered = normalize_text(value).lower()
    return _WS.sub(" ", _PUNCT.sub(" ", lowered)).strip()


_WORD = re.compile(r"[a-z0-9]+")


def search_words(value: str | None) -> list[str]:
    """The accent-folded words of `value`, in order: "Hà Tĩnh, 2025" -> ["ha", "tinh", "2025"]."""
    return _WORD.findall(fold_accents(value or ""))


def search_key(value: str | None) -> str:
    """What a whole-word search looks into: the folded words between single spaces, with a space at each end,
    so that " ha " is found in "Hà Tĩnh" but not in "hành" (search with `" " + word + " "`)."""
    return " " + " ".join(search_words(value)) + " "


def has_words(query: str | None, *texts: str) -> bool:
    """True when every word of `query` is a whole word of `texts` (accents and case ignored)."""
    wanted = search_words(query)
    if not wanted:
        return False
    key = search_key(" ".join(texts))
    return all(f" {w} " in key for w in wanted)
