"""Vietnamese alphabetical order, as dictionaries and official lists use it.

Letters: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y (then the Latin letters Vietnamese does not
use, in their usual places). Words compare letter by letter first; tone marks decide only between words that
are otherwise equal, in the order ngang, huyền, hỏi, ngã, sắc, nặng. Case is ignored. So "Âu Lâu" sorts after
"An Bình" and before "Bảo Thắng", and "Đông Cuông" after "Dương Quỳ", not after "Yên Bái".
"""
from __future__ import annotations

import unicodedata

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: i + 1 for i, ch in enumerate(_ALPHABET)}
# Combining marks that make a different letter (kept) and tone marks (secondary).
_LETTER_MARKS = {"\u0306": "ă", "\u0302": "â", "\u031b": "ơ"}  # breve, circumflex, horn
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng


def _letters(word: str) -> tuple[list[int], list[int]]:
    """Primary ranks of the letters, and the tones (per letter) of one lower-cased word."""
    if word.isdecimal():  # not isdigit(): int() refuses "²" and "①", which isdigit() accepts
        return [int(word) - 10**12], [0]  # numbers before words, in numeric order ("Phường 2" before "Phường 10")
    primary, tones = [], []
    for base in unicodedata.normalize("NFC", word):
        decomposed = unicodedata.normalize("NFD", base)
        letter, tone = decomposed[0], 0
        for mark in decomposed[1:]:
            if mark in _TONES:
                tone = _TONES[mark]
            elif mark in _LETTER_MARKS:
                letter = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
                          ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}.get((letter, mark), letter)
        if letter in _RANK:
            primary.append(_RANK[letter])
        elif letter.isdigit():
            primary.append(-10 + unicodedata.digit(letter))  # "²" and "①" too, as 2 and 1
        elif letter.isalpha():
            primary.append(100 + ord(letter))
        else:
            continue  # punctuation does not order
        tones.append(tone)
    return primary, tones


def key(text: str) -> tuple:
    """A sort key: sorted(names, key=collation.key) gives Vietnamese order."""
    words = (text or "").casefold().split()
    parsed = [_letters(w) for w in words]
    return (tuple(tuple(p) for p, _ in parsed), tuple(tuple(t) for _, t in parsed), text or "")


def sort(items, by=lambda x: x):
    """The items in Vietnamese order of `by(item)`."""
    return sorted(items, key=lambda item: key(by(item)))
