"""Rules that flag entries for an organiser to look at. A flag is a question, never a verdict or a ban.

Three signs are looked for:
- an attempt finished implausibly fast for its length while scoring well;
- many accounts registered from one device, or from one address, within minutes;
- two people's attempts with identical answers to the questions they share, started and finished together,
  where the answers say more than "both knew the key": a wrong answer in common, or answers given in lockstep.

Pure Python: plain values in, plain values out.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Thresholds:
    """Where suspicion starts. Offices share one address, so an address needs many more accounts than a device."""

    fast_seconds_per_question: float = 3.0  # reading a question and four options takes longer than this
    fast_min_score: float = 50.0  # fast and mostly wrong is carelessness, not an advantage
    device_accounts: int = 3
    device_window: timedelta = timedelta(minutes=30)
    address_accounts: int = 30
    address_window: timedelta = timedelta(minutes=10)
    same_answers_min_shared: int = 5  # fewer shared questions say nothing
    same_answers_start_gap: timedelta = timedelta(minutes=2)
    same_answers_duration_gap: timedelta = timedelta(seconds=30)
    same_answers_lockstep: timedelta = timedelta(seconds=3)  # median gap between the n-th answers of each


DEFAULT = Thresholds()


# ---------------------------------------------------------------- too fast


@dataclass(frozen=True)
class FinishedAttempt:
    attempt_id: int
    registration_id: int
    total: int  # questions in the attempt
    correct: int
    duration_ms: int


def too_fast(attempt: FinishedAttempt, t: Thresholds = DEFAULT) -> str | None:
    """Why the attempt was implausibly fast for its length, or None."""
    if attempt.total <= 0:
        return None
    limit_ms = attempt.total * t.fast_seconds_per_question * 1000
    score = 100.0 * attempt.correct / attempt.total
    if attempt.duration_ms >= limit_ms or score < t.fast_min_score:
        return None
    per_question = attempt.duration_ms / 1000 / attempt.total
    return (f"Làm xong {attempt.total} câu trong {_seconds(attempt.duration_ms)} "
            f"(trung bình {per_question:.1f} giây/câu, dưới ngưỡng {t.fast_seconds_per_question:g} giây/câu) "
            f"và đúng {attempt.correct}/{attempt.total} câu.")


def _seconds(ms: int) -> str:
    s = round(ms / 1000)
    return f"{s // 60} phút {s % 60} giây" if s >= 60 else f"{s} giây"


# ---------------------------------------------------------------- many accounts from one place


@dataclass(frozen=True)
class NewEntry:
    registration_id: int
    created_at: datetime
    device_id: str
    address: str


@dataclass(frozen=True)
class Burst:
    """Accounts registered from one device or address close together in time."""

    kind: str  # "same_device" or "same_address"
    source: str  # the device id or the address
    registration_ids: tuple[int, ...]
    first_at: datetime
    last_at: datetime

    def describe(self) -> str:
        where = "cùng một thiết bị" if self.kind == "same_device" else f"cùng địa chỉ mạng {self.source}"
        minutes = max(1, round((self.last_at - self.first_at).total_seconds() / 60))
        return f"{len(self.registration_ids)} tài khoản được đăng ký từ {where} trong khoảng {minutes} phút."


def registration_bursts(entries: list[NewEntry], t: Thresholds = DEFAULT) -> list[Burst]:
    """Every group of at least N accounts from one device (or address) whose registrations fall within the window.

    Overlapping windows are merged, so a long run of registrations gives one burst.
    """
    bursts = []
    for kind, attr, needed, window in (("same_device", "device_id", t.device_accounts, t.device_window),
                                       ("same_address", "address", t.address_accounts, t.address_window)):
        groups: dict[str, list[NewEntry]] = defaultdict(list)
        for entry in entries:
            source = getattr(entry, attr)
            if source:
                groups[source].append(entry)
        for source, group in groups.items():
            group.sort(key=lambda e: (e.created_at, e.registration_id))
            bursts += [Burst(kind, source, tuple(e.registration_id for e in run), run[0].created_at, run[-1].created_at)
                       for run in _dense_runs(group, needed, window)]
    return sorted(bursts, key=lambda b: (b.first_at, b.kind, b.source))


def _dense_runs(group: list[NewEntry], needed: int, window: timedelta) -> list[list[NewEntry]]:
    """Maximal runs covered by windows that hold at least `needed` entries (group sorted by time)."""
    runs: list[list[int]] = []  # [start index, end index]
    left = 0
    for right, entry in enumerate(group):
        while entry.created_at - group[left].created_at > window:
            left += 1
        if right - left + 1 < needed:
            continue
        if runs and left <= runs[-1][1]:
            runs[-1][1] = right
        else:
            runs.append([left, right])
    return [group[a:b + 1] for a, b in runs]


# ---------------------------------------------------------------- identical answers


@dataclass(frozen=True)
class AnswerTrace:
    """What one finished attempt chose (question id -> option id), which of those were wrong, when each answer
    came (ms after the start, in order), when it started and how long it took."""

    attempt_id: int
    registration_id: int
    started_at: datetime
    duration_ms: int
    choices: dict[int, int] = field(default_factory=dict, hash=False)
    wrong: frozenset[int] = frozenset()
    offsets_ms: tuple[int, ...] = ()


def same_answers(traces: list[AnswerTrace], t: Thresholds = DEFAULT) -> list[tuple[int, int, str]]:
    """Pairs (attempt id, attempt id, reason) of two people with identical answers and near-identical timing.

    Identical means the same option on every question both attempts drew (at least `same_answers_min_shared`
    of them); near-identical timing means started within `same_answers_start_gap` of each other and taking
    durations within `same_answers_duration_gap`. Two people who simply both got everything right are not a
    sign (when answers circulate, half the contest does), so the pair also needs a wrong answer in common or
    answers given in lockstep. Only attempts started close together are compared.
    """
    ordered = sorted(traces, key=lambda a: (a.started_at, a.attempt_id))
    pairs = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.started_at - a.started_at > t.same_answers_start_gap:
                break
            reason = _same_answers_reason(a, b, t)
            if reason:
                pairs.append((min(a.attempt_id, b.attempt_id), max(a.attempt_id, b.attempt_id), reason))
    return sorted(pairs)


def _same_answers_reason(a: AnswerTrace, b: AnswerTrace, t: Thresholds) -> str | None:
    if a.registration_id == b.registration_id:
        return None
    if abs(a.duration_ms - b.duration_ms) > t.same_answers_duration_gap / timedelta(milliseconds=1):
        return None
    shared = a.choices.keys() & b.choices.keys()
    if len(shared) < t.same_answers_min_shared or any(a.choices[q] != b.choices[q] for q in shared):
        return None
    wrong_together = len(shared & a.wrong)
    lockstep = _lockstep(a, b, t)
    if not wrong_together and not lockstep:
        return None
    start_gap = abs((b.started_at - a.started_at).total_seconds())
    duration_gap = abs(a.duration_ms - b.duration_ms) / 1000
    signs = ([f"cùng sai {wrong_together} câu với cùng phương án"] if wrong_together else []) + (
        ["trả lời từng câu gần như cùng lúc"] if lockstep else [])
    return (f"Chọn giống hệt nhau ở cả {len(shared)} câu hỏi chung ({', '.join(signs)}); bắt đầu cách nhau "
            f"{start_gap:.0f} giây, thời gian làm bài chênh {duration_gap:.0f} giây.")


def _lockstep(a: AnswerTrace, b: AnswerTrace, t: Thresholds) -> bool:
    """The n-th answers of the two came at nearly the same moment by the clock (median gap within the limit):
    two screens answered side by side, not two people keeping the same pace at different times."""
    n = min(len(a.offsets_ms), len(b.offsets_ms))
    if n < t.same_answers_min_shared:
        return False
    shift = (b.started_at - a.started_at) / timedelta(milliseconds=1)
    gaps = sorted(abs(x - (y + shift)) for x, y in zip(a.offsets_ms[:n], b.offsets_ms[:n]))
    return gaps[n // 2] <= t.same_answers_lockstep / timedelta(milliseconds=1)
