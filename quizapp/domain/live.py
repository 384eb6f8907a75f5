"""The live in-hall contest: the session's state machine, the scoring rule, the final board and its tie-breaks.

A session runs lobby → question → reveal → scoreboard → question → … → final. The host moves it on; the server's
clock decides when a question closes (`closes_at`), never the phone's. Pausing a question keeps its remaining time;
resuming shifts `opened_at` by the pause, so "time taken" never counts the pause. When the final board has a tie in
its top places, the host can ask sudden-death questions (their answers score nothing; they only break ties).

The board is ordered by: points (more first) → total time of correct answers (less first) → sudden-death
questions in the order asked (correct before wrong or none, then faster) → otherwise the place is shared.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .errors import DomainError
from .formats.cells import csv_text, save_xlsx

LOBBY, QUESTION, REVEAL, SCOREBOARD, FINAL = "lobby", "question", "reveal", "scoreboard", "final"
PHASES = (LOBBY, QUESTION, REVEAL, SCOREBOARD, FINAL)
PHASE_LABELS = {LOBBY: "Phòng chờ", QUESTION: "Đang trả lời", REVEAL: "Đáp án", SCOREBOARD: "Bảng điểm",
                FINAL: "Kết quả chung cuộc"}

FIXED, SPEED = "fixed", "speed"
SCORING_RULES = (FIXED, SPEED)
SCORING_LABELS = {
    FIXED: "Điểm cố định: mỗi câu trả lời đúng được đủ số điểm của câu",
    SPEED: "Tính điểm theo tốc độ: trả lời đúng càng nhanh càng nhiều điểm (từ một nửa đến đủ số điểm của câu)",
}
TIE_BREAK_TEXT = ("Bằng điểm thì xếp trên là người (đội) có tổng thời gian trả lời đúng ít hơn; nếu vẫn bằng, "
                  "người dẫn chương trình cho trả lời câu hỏi phụ: đúng trước, nhanh hơn trước.")
MIN_SECONDS, MAX_SECONDS = 5, 300
MAX_QUESTIONS = 100
MAX_TEAMS, TEAM_NAME_MAX = 100, 120
OPTION_LETTERS = "ABCDEFGH"


class LiveError(DomainError):
    """A step the session's rules do not allow now (Vietnamese message)."""


@dataclass(frozen=True)
class LiveState:
    """Where a session is. `position` is the 0-based question shown (regular ones first, then sudden death)."""

    count: int  # regular questions
    phase: str = LOBBY
    position: int = -1
    opened_at: datetime | None = None
    closes_at: datetime | None = None
    paused: bool = False
    remaining_ms: int | None = None  # a paused question's time left
    sudden_deaths: int = 0  # sudden-death questions asked so far

    @property
    def is_sudden_death(self) -> bool:
        return self.position >= self.count

    def is_open(self, now: datetime) -> bool:
        """Whether the current question accepts answers at `now`."""
        return (self.phase == QUESTION and not self.paused and self.closes_at is not None and now < self.closes_at)

    def time_left_ms(self, now: datetime) -> int:
        if self.phase != QUESTION:
            return 0
        if self.paused:
            return self.remaining_ms or 0
        return max(0, int((self.closes_at - now).total_seconds() * 1000)) if self.closes_at else 0


def _open(state: LiveState, position: int, now: datetime, seconds: int, **kw) -> LiveState:
    return replace(state, phase=QUESTION, position=position, opened_at=now, closes_at=now + timedelta(seconds=seconds),
                   paused=False, remaining_ms=None, **kw)


def advance(state: LiveState, now: datetime, seconds: int) -> LiveState:
    """The host's "next": lobby → first question; question → reveal (closing it now if time is left);
    reveal → scoreboard (or the final board after the last question); scoreboard → next question."""
    if state.paused:
        raise LiveError("Phiên đang tạm dừng: hãy tiếp tục trước khi chuyển bước.", "paused")
    if state.phase == LOBBY:
        if state.count < 1:
            raise LiveError("Phiên chưa có câu hỏi nào.", "no_questions")
        return _open(state, 0, now, seconds)
    if state.phase == QUESTION:
        closes = min(state.closes_at, now) if state.closes_at else now
        return replace(state, phase=REVEAL, closes_at=closes)
    if state.phase == REVEAL:
        last = state.is_sudden_death or state.position + 1 >= state.count
        return replace(state, phase=FINAL if last else SCOREBOARD)
    if state.phase == SCOREBOARD:
        if state.position + 1 >= state.count:
            return replace(state, phase=FINAL)
        return _open(state, state.position + 1, now, seconds)
    raise LiveError("Phiên đã kết thúc.", "finished")


def show_scoreboard(state: LiveState) -> LiveState:
    """The host's "show the scoreboard" after a reveal (the same step as "next" from there)."""
    if state.phase != REVEAL:
        raise LiveError("Chỉ xem bảng điểm sau khi đã công bố đáp án.", "not_reveal")
    return replace(state, phase=FINAL if state.is_sudden_death or state.position + 1 >= state.count else SCOREBOARD)


def pause(state: LiveState, now: datetime) -> LiveState:
    """Stop the clock of the open question (or just hold the screen in other phases)."""
    if state.phase == FINAL:
        raise LiveError("Phiên đã kết thúc.", "finished")
    if state.paused:
        raise LiveError("Phiên đang tạm dừng.", "paused")
    if state.phase == QUESTION:
        return replace(state, paused=True, remaining_ms=state.time_left_ms(now), closes_at=None)
    return replace(state, paused=True)


def resume(state: LiveState, now: datetime, seconds: int) -> LiveState:
    """Start the clock again with the time that was left; the time taken does not count the pause."""
    if not state.paused:
        raise LiveError("Phiên không tạm dừng.", "not_paused")
    if state.phase != QUESTION:
        return replace(state, paused=False)
    left = timedelta(milliseconds=state.remaining_ms or 0)
    return replace(state, paused=False, remaining_ms=None, closes_at=now + left,
                   opened_at=now + left - timedelta(seconds=seconds))


def start_sudden_death(state: LiveState, now: datetime, seconds: int, available: int) -> LiveState:
    """A sudden-death question from the final board; `available` is how many tie-break questions are left."""
    if state.phase != FINAL:
        raise LiveError("Câu hỏi phụ chỉ dùng sau khi có kết quả chung cuộc.", "not_final")
    if state.sudden_deaths >= available:
        raise LiveError("Đã dùng hết câu hỏi phụ của phiên.", "no_tiebreak")
    return _open(state, state.count + state.sudden_deaths, now, seconds, sudden_deaths=state.sudden_deaths + 1)


def check_answer(state: LiveState, position: int, now: datetime) -> None:
    """Raise unless the question at `position` accepts an answer at `now` (the server's clock)."""
    if state.phase != QUESTION or position != state.position:
        raise LiveError("Câu hỏi này không còn nhận câu trả lời.", "closed")
    if state.paused:
        raise LiveError("Phiên đang tạm dừng, vui lòng chờ.", "paused")
    if not state.is_open(now):
        raise LiveError("Đã hết giờ trả lời câu hỏi này.", "late")


def elapsed_ms(state: LiveState, now: datetime) -> int:
    return max(0, int((now - state.opened_at).total_seconds() * 1000))


def points(rule: str, base: int, correct: bool, elapsed: int, limit_ms: int) -> int:
    """Points of one answer: fixed, or base × (0.5 + 0.5 × time_left / time_limit) for a correct one."""
    if not correct:
        return 0
    if rule == FIXED:
        return base
    if rule == SPEED:
        left = min(max(limit_ms - elapsed, 0), limit_ms)
        return round(base * (0.5 + 0.5 * left / limit_ms))
    raise ValueError(f"unknown scoring rule: {rule!r}")


# ---------------------------------------------------------------- the board


@dataclass(frozen=True)
class Scored:
    """One accepted answer, as the board needs it."""

    player_id: int
    position: int
    correct: bool
    elapsed_ms: int
    points: int


@dataclass(frozen=True)
class BoardRow:
    """A player (or a team) on the board; `rank` is shared when every tie-break is equal."""

    key: str
    name: str
    team: str = ""
    score: int = 0
    correct: int = 0
    correct_ms: int = 0
    sudden: tuple = ()  # per sudden-death question: (correct, elapsed_ms) or None when not answered
    members: int = 1
    rank: int = 0


def _sudden_key(sudden: tuple, asked: int) -> tuple:
    out = []
    for i in range(asked):
        answer = sudden[i] if i < len(sudden) else None
        out.append((0, answer[1]) if answer and answer[0] else (1, 0))
    return tuple(out)


def _order_key(row: BoardRow, asked: int) -> tuple:
    return (-row.score, row.correct_ms, _sudden_key(row.sudden, asked))


def rank_rows(rows: list[BoardRow], asked: int = 0) -> list[BoardRow]:
    """Ordered with places: equal keys share a place (1, 1, 3); the name only orders rows that share one."""
    ordered = sorted(rows, key=lambda r: (_order_key(r, asked), r.name.casefold(), r.key))
    out, prev, rank = [], None, 0
    for i, row in enumerate(ordered, start=1):
        key = _order_key(row, asked)
        if key != prev:
            rank, prev = i, key
        out.append(replace(row, rank=rank))
    return out


def board(players: list[tuple[int, str, str]], answers: list[Scored], count: int, asked: int = 0) -> list[BoardRow]:
    """The individual board: `players` are (id, name, team); answers at positions ≥ count are sudden death."""
    rows = {pid: BoardRow(key=str(pid), name=name, team=team) for pid, name, team in players}
    sudden: dict[int, list] = {pid: [None] * asked for pid in rows}
    for a in answers:
        row = rows.get(a.player_id)
        if row is None:
            continue
        if a.position >= count:
            if a.position - count < asked:
                sudden[a.player_id][a.position - count] = (a.correct, a.elapsed_ms)
            continue
        rows[a.player_id] = replace(row, score=row.score + a.points, correct=row.correct + int(a.correct),
                                    correct_ms=row.correct_ms + (a.elapsed_ms if a.correct else 0))
    return rank_rows([replace(r, sudden=tuple(sudden[int(r.key)])) for r in rows.values()], asked)


def team_board(individual: list[BoardRow], teams: list[str], asked: int = 0) -> list[BoardRow]:
    """Teams: members' points and correct-answer time summed; on a sudden-death question a team counts its
    best member's answer (correct, then fastest)."""
    by_team: dict[str, BoardRow] = {name: BoardRow(key=name, name=name, members=0) for name in teams}
    for r in individual:
        t = by_team.get(r.team) or BoardRow(key=r.team, name=r.team, members=0)
        best = tuple(_best(a, b) for a, b in zip(t.sudden or (None,) * asked, r.sudden or (None,) * asked))
        by_team[r.team] = replace(t, score=t.score + r.score, correct=t.correct + r.correct,
                                  correct_ms=t.correct_ms + r.correct_ms, members=t.members + 1, sudden=best)
    return rank_rows(list(by_team.values()), asked)


def _best(a, b):
    if a is None or (b is not None and _sudden_key((b,), 1) < _sudden_key((a,), 1)):
        return b
    return a


def top_tied(rows: list[BoardRow], places: int = 3) -> bool:
    """Whether two rows share a place among the first `places` (the host may then ask a sudden-death question)."""
    ranks = [r.rank for r in rows if r.rank <= places]
    return len(ranks) != len(set(ranks))


@dataclass(frozen=True)
class OptionCount:
    letter: str
    text: str
    correct: bool
    count: int


def option_counts(options: list[tuple[int, str, bool]], chosen: list[int]) -> list[OptionCount]:
    """How many chose each option (options as (id, text, is_correct) in the order shown)."""
    return [OptionCount(OPTION_LETTERS[i], text, correct, sum(1 for c in chosen if c == oid))
            for i, (oid, text, correct) in enumerate(options)]


# ---------------------------------------------------------------- settings and files


@dataclass(frozen=True)
class LiveSettings:
    title: str
    seconds: int
    scoring_rule: str
    base_points: int = 1000
    team_mode: bool = False
    teams: list[str] = field(default_factory=list)
    max_team_members: int | None = None
    require_account: bool = False


def check_settings(s: LiveSettings) -> None:
    """Raise with a Vietnamese message when the session's settings cannot run."""
    if not s.title.strip():
        raise LiveError("Vui lòng nhập tên phiên thi.", "title")
    if not MIN_SECONDS <= s.seconds <= MAX_SECONDS:
        raise LiveError(f"Thời gian mỗi câu phải từ {MIN_SECONDS} đến {MAX_SECONDS} giây.", "seconds")
    if s.scoring_rule not in SCORING_RULES:
        raise LiveError("Cách tính điểm không hợp lệ.", "scoring_rule")
    if not 1 <= s.base_points <= 100_000:
        raise LiveError("Điểm mỗi câu phải từ 1 đến 100.000.", "base_points")
    if s.team_mode:
        if len(s.teams) < 2:
            raise LiveError("Thi theo đội cần ít nhất hai đội (mỗi dòng một tên đội).", "teams")
        if len(s.teams) > MAX_TEAMS or any(len(t) > TEAM_NAME_MAX for t in s.teams):
            raise LiveError(f"Tối đa {MAX_TEAMS} đội, tên mỗi đội tối đa {TEAM_NAME_MAX} ký tự.", "teams")
        if len({t.casefold() for t in s.teams}) != len(s.teams):
            raise LiveError("Tên các đội không được trùng nhau.", "teams")
        if s.max_team_members is not None and not 1 <= s.max_team_members <= 50:
            raise LiveError("Số thành viên tối đa mỗi đội phải từ 1 đến 50.", "max_team_members")


BOARD_COLUMNS = ("rank", "name", "team", "score", "correct", "correct_time")
TEAM_COLUMNS = ("rank", "name", "members", "score", "correct", "correct_time")
BOARD_HEADERS = {"rank": "Hạng", "name": "Họ và tên", "team": "Đội", "score": "Điểm", "correct": "Số câu đúng",
                 "correct_time": "Tổng thời gian trả lời đúng (giây)", "members": "Số thành viên"}
TEAM_NAME_HEADER = "Tên đội"


def seconds_text(ms: int) -> str:
    return f"{ms / 1000:.1f}".replace(".", ",")


def _cells(row: BoardRow, columns: tuple[str, ...]) -> list:
    values = {"rank": row.rank, "name": row.name, "team": row.team, "score": row.score, "correct": row.correct,
              "correct_time": round(row.correct_ms / 1000, 1), "members": row.members}
    return [values[c] for c in columns]


def _headers(columns: tuple[str, ...]) -> list[str]:
    return [TEAM_NAME_HEADER if (c == "name" and "members" in columns) else BOARD_HEADERS[c] for c in columns]


def board_csv(rows: list[BoardRow], teams: bool = False) -> bytes:
    """The published board: UTF-8 with BOM, CRLF, so `sha256sum` of the downloaded file matches the page."""
    columns = TEAM_COLUMNS if teams else BOARD_COLUMNS
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(_headers(columns))
    for row in rows:
        writer.writerow([csv_text(v) if isinstance(v, str) else (seconds_text(row.correct_ms) if c == "correct_time"
                                                                    else v)
                         for c, v in zip(columns, _cells(row, columns))])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def board_xlsx(sheets: list[tuple[str, list[BoardRow], bool]], title: str, finished_at: datetime | None,
               tz: tzinfo) -> bytes:
    """The final board(s) as a workbook: one sheet per board (teams, individuals), Vietnamese headers."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = title
    fill = PatternFill("solid", fgColor="DDEBF7")
    for name, rows, teams in sheets:
        ws = wb.create_sheet(name[:31])
        columns = TEAM_COLUMNS if teams else BOARD_COLUMNS
        ws.append([title])
        ws.append([f"Kết thúc lúc {finished_at.astimezone(tz):%H:%M %d/%m/%Y}" if finished_at else ""])
        ws.append(_headers(columns))
        for cell in ws[3]:
            cell.font, cell.fill = Font(bold=True), fill
        for row in rows:
            ws.append(_cells(row, columns))
        for i, header in enumerate(_headers(columns), start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) + 4))
        ws.freeze_panes = "A4"
    return save_xlsx(wb)
