"""Flags that send a ranked entry to the organiser's review before results are approved."""
from __future__ import annotations

# Reading a question and its four options takes a few seconds; a near-perfect attempt faster than this
# per question on average is worth a look (answers passed around, or a script).
MIN_MS_PER_QUESTION = 3000

FLAG_LABELS = {
    "fast": "Làm bài quá nhanh so với số câu đúng",
    "shared_device": "Cùng thiết bị với tài khoản khác",
    "duplicate_person": "Trùng họ tên và ngày sinh với tài khoản khác",
}
# Integrity flags found by `flask review scan` (models/review.py) are shown under their own names.
FLAG_LABELS |= {
    "fast_attempt": "Làm bài quá nhanh (rà soát)",
    "same_device": "Cùng thiết bị với tài khoản khác (rà soát)",
    "same_address": "Cùng địa chỉ mạng với tài khoản khác (rà soát)",
    "same_answers": "Bài làm giống hệt tài khoản khác (rà soát)",
}
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
