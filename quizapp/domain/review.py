"""Flags that send a ranked entry to the organiser's review before results are approved, and the one label
table for every flag code an organiser sees (the results pages, the flags page, exports, personal-data copies).

Two "too fast" rules exist on purpose, sharing one speed threshold (flags.DEFAULT.fast_seconds_per_question):
- the entry flag "fast" (entry_flags below), computed on every ranked entry when results are drafted, asks
  for a near-perfect score (at least 90% correct) — the case that can change who wins a prize;
- the integrity flag "fast_attempt" (flags.too_fast, stored by `flask review scan`) looks at every submitted
  attempt and starts at 50% correct, because fast and mostly wrong is carelessness, not an advantage.
"""
from __future__ import annotations

from .flags import DEFAULT as INTEGRITY_THRESHOLDS

# Reading a question and its four options takes a few seconds; a near-perfect attempt faster than this
# per question on average is worth a look (answers passed around, or a script).
MIN_MS_PER_QUESTION = round(INTEGRITY_THRESHOLDS.fast_seconds_per_question * 1000)

ENTRY_FLAG_LABELS = {
    "fast": "Làm bài quá nhanh so với số câu đúng",
    "shared_device": "Cùng thiết bị với tài khoản khác",
    "duplicate_person": "Trùng họ tên và ngày sinh với tài khoản khác",
}
# Integrity flags found by `flask review scan` (models/review.py, services/integrity.py).
SCAN_FLAG_LABELS = {
    "fast_attempt": "Làm bài nhanh bất thường",
    "same_device": "Nhiều tài khoản từ một thiết bị",
    "same_address": "Nhiều tài khoản từ một địa chỉ mạng",
    "same_answers": "Bài làm giống hệt tài khoản khác",
}
FLAG_LABELS = ENTRY_FLAG_LABELS | SCAN_FLAG_LABELS
# Disqualifying applies to the whole entry: Registration.status is the source of truth and every attempt
# of a disqualified entry is marked disqualified too (the integrity service keeps the same rule).
DECISIONS = ("accepted", "disqualified")
DECISION_LABELS = {
    "accepted": "Giữ nguyên kết quả",
    "disqualified": "Loại thí sinh khỏi cuộc thi",
}


def entry_flags(correct: int, total: int, duration_ms: int, shared_device: bool, duplicate_person: bool) -> list[str]:
    """The flag codes of one entry, in a fixed order."""
    flags = []
    if total and correct * 10 >= total * 9 and duration_ms < total * MIN_MS_PER_QUESTION:
        flags.append("fast")
    if shared_device:
        flags.append("shared_device")
    if duplicate_person:
        flags.append("duplicate_person")
    return flags
