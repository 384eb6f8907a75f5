"""The live in-hall contest: organisers set sessions up, the host moves them on, phones join and answer.

Rules live in domain/live.py; this module loads rows, asks the domain, writes and commits, then publishes the
new state (services/live_push.py). Every step of the host locks the session row, so two clicks (or two
servers) cannot both move it; answers are unique per player and question in the database, and timed by `now`.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from quizapp.domain import live as rules
from quizapp.domain.live import LiveError, LiveSettings, LiveState
from quizapp.domain.text import normalize_text
from quizapp.extensions import db
from quizapp.models import Contest, ContestTopic, Question, QuestionOption, User
from quizapp.models.live import LiveAnswer, LivePlayer, LiveSession
from quizapp.services import access, audit, live_push

CODE_DIGITS = 6
BOARD_TOP = 10
NAME_MAX = 40
NOT_FOUND = "Không tìm thấy phiên thi với mã này. Vui lòng kiểm tra lại mã trên màn hình."


@dataclass(frozen=True)
class QuestionSource:
    """Where a session's questions come from: drawn from topics of the contest, or picked by hand (ids)."""

    topic_ids: tuple[int, ...] = ()
    count: int = 0
    tiebreak_count: int = 1
    picked_ids: tuple[int, ...] = ()
    picked_tiebreak_ids: tuple[int, ...] = ()


def _now_ms(value: datetime | None) -> int | None:
    return int(value.timestamp() * 1000) if value else None


def state_of(s: LiveSession) -> LiveState:
    return LiveState(count=len(s.question_ids), phase=s.phase, position=s.position, opened_at=s.opened_at,
                     closes_at=s.closes_at, paused=s.paused, remaining_ms=s.remaining_ms,
                     sudden_deaths=s.sudden_deaths)


def _store(s: LiveSession, state: LiveState) -> None:
    s.phase, s.position, s.opened_at, s.closes_at = state.phase, state.position, state.opened_at, state.closes_at
    s.paused, s.remaining_ms, s.sudden_deaths = state.paused, state.remaining_ms, state.sudden_deaths
    s.version += 1


# ---------------------------------------------------------------- setting up


def sessions_of(contest: Contest) -> list[LiveSession]:
    return list(db.session.scalars(select(LiveSession).where(LiveSession.contest_id == contest.id)
                                   .order_by(LiveSession.id.desc())))


def get_session(contest: Contest, session_id: int) -> LiveSession:
    s = db.session.get(LiveSession, session_id)
    if s is None or s.contest_id != contest.id:
        raise LiveError("Không tìm thấy phiên thi.", "not_found")
    return s


def _new_code() -> str:
    for _ in range(50):
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        if not db.session.scalar(select(LiveSession.id).where(LiveSession.join_code == code)):
            return code
    raise LiveError("Không tạo được mã tham gia, vui lòng thử lại.", "code")


def _contest_topics(contest: Contest) -> set[int]:
    return set(db.session.scalars(select(ContestTopic.topic_id).where(ContestTopic.contest_id == contest.id)))


def _active(ids: tuple[int, ...]) -> list[int]:
    found = set(db.session.scalars(select(Question.id).where(Question.id.in_(ids), Question.status == "active")))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise LiveError("Không dùng được các câu hỏi (không có hoặc đã ngừng dùng): " + ", ".join(missing) + ".",
                        "questions")
    if len(set(ids)) != len(ids):
        raise LiveError("Một câu hỏi được chọn hai lần.", "questions")
    return list(ids)


def choose_questions(contest: Contest, source: QuestionSource, rng: random.Random) -> tuple[list[int], list[int]]:
    """The question version ids of the session and of its sudden-death reserve (frozen when saved)."""
    if source.picked_ids:
        picked = _active(source.picked_ids + source.picked_tiebreak_ids)
        return picked[:len(source.picked_ids)], picked[len(source.picked_ids):]
    allowed = _contest_topics(contest)
    topics = [t for t in source.topic_ids if t in allowed]
    if not topics:
        raise LiveError("Hãy chọn ít nhất một chủ đề trong bộ câu hỏi của cuộc thi, hoặc nhập mã các câu hỏi.",
                        "topics")
    if not 1 <= source.count <= rules.MAX_QUESTIONS or not 0 <= source.tiebreak_count <= 10:
        raise LiveError(f"Số câu hỏi phải từ 1 đến {rules.MAX_QUESTIONS}, câu hỏi phụ từ 0 đến 10.", "count")
    pool = sorted(db.session.scalars(select(Question.id).where(Question.topic_id.in_(topics),
                                                               Question.status == "active")))
    need = source.count + source.tiebreak_count
    if len(pool) < need:
        raise LiveError(f"Các chủ đề đã chọn chỉ có {len(pool)} câu hỏi đang dùng, cần {need}.", "count")
    drawn = rng.sample(pool, need)
    return drawn[:source.count], drawn[source.count:]


def create_session(contest: Contest, settings: LiveSettings, source: QuestionSource, now: datetime,
                   actor: User | None, rng: random.Random | None = None) -> LiveSession:
    """A new session in the lobby, with its join code and frozen questions."""
    access.require(actor, contest, decide=True)
    rules.check_settings(settings)
    questions, tiebreak = choose_questions(contest, source, rng or random.SystemRandom())
    s = LiveSession(contest_id=contest.id, join_code=_new_code(), question_ids=questions, tiebreak_ids=tiebreak,
                    created_at=now, created_by_id=actor.id if actor else None)
    _apply(s, settings)
    db.session.add(s)
    db.session.flush()
    audit.record("live.create", actor, now, contest_id=contest.id, after={"live_session": s.id, "title": s.title})
    db.session.commit()
    return s


def _apply(s: LiveSession, settings: LiveSettings) -> None:
    s.title = normalize_text(settings.title)
    s.seconds_per_question, s.scoring_rule, s.base_points = settings.seconds, settings.scoring_rule, settings.base_points
    s.team_mode, s.teams = settings.team_mode, list(settings.teams) if settings.team_mode else []
    s.max_team_members = settings.max_team_members if settings.team_mode else None
    s.require_account = settings.require_account


def update_session(s: LiveSession, settings: LiveSettings, now: datetime, actor: User | None,
                   source: QuestionSource | None = None) -> LiveSession:
    """Change the settings (and questions) while the session is still in the lobby."""
    access.require(actor, s.contest_id, decide=True)
    if s.phase != rules.LOBBY or s.started_at is not None:
        raise LiveError("Phiên đã bắt đầu: không sửa được cách tính điểm, câu hỏi hay thời gian nữa.", "started")
    rules.check_settings(settings)
    if settings.team_mode:
        unknown = db.session.scalar(select(func.count(LivePlayer.id)).where(
            LivePlayer.session_id == s.id, LivePlayer.team.not_in(settings.teams)))
        if unknown:
            raise LiveError("Đã có người tham gia thuộc đội không còn trong danh sách.", "teams")
    _apply(s, settings)
    if source is not None:
        s.question_ids, s.tiebreak_ids = choose_questions(s.contest, source, random.SystemRandom())
    s.version += 1
    audit.record("live.update", actor, now, contest_id=s.contest_id, after={"live_session": s.id})
    db.session.commit()
    publish_state(s)
    return s


# ---------------------------------------------------------------- the host


ACTIONS = ("next", "pause", "resume", "scoreboard", "sudden_death")


def control(session_id: int, action: str, now: datetime, actor: User | None,
            seen_version: int | None = None) -> LiveSession:
    """One step of the host, under a row lock; the new state is published after the commit.

    `seen_version` is the state the host's screen showed: a step from an older one (a double press, a second
    host screen) is refused instead of moving the session twice.
    """
    s = db.session.scalar(select(LiveSession).where(LiveSession.id == session_id).with_for_update()
                          .execution_options(populate_existing=True))
    if s is None:
        raise LiveError("Không tìm thấy phiên thi.", "not_found")
    access.require(actor, s.contest_id, decide=True)
    if seen_version is not None and seen_version != s.version:
        raise LiveError("Màn hình chưa cập nhật bước mới nhất; đã tải lại, vui lòng bấm lại nếu cần.", "stale")
    state, seconds = state_of(s), s.seconds_per_question
    if action == "next":
        state = rules.advance(state, now, seconds)
    elif action == "pause":
        state = rules.pause(state, now)
    elif action == "resume":
        state = rules.resume(state, now, seconds)
    elif action == "scoreboard":
        state = rules.show_scoreboard(state)
    elif action == "sudden_death":
        state = rules.start_sudden_death(state, now, seconds, len(s.tiebreak_ids))
    else:
        raise LiveError("Thao tác không hợp lệ.", "action")
    _store(s, state)
    if s.started_at is None and state.phase != rules.LOBBY:
        s.started_at = now
    if state.phase == rules.FINAL:
        s.finished_at = now
    db.session.commit()
    publish_state(s)
    return s


# ---------------------------------------------------------------- players


def by_code(code: str) -> LiveSession:
    code = (code or "").strip().replace(" ", "")
    s = db.session.scalar(select(LiveSession).where(LiveSession.join_code == code)) if code.isdigit() else None
    if s is None:
        raise LiveError(NOT_FOUND, "not_found")
    return s


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def player_for(s: LiveSession, token: str | None) -> LivePlayer | None:
    """The player this rejoin token belongs to in this session, or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(LivePlayer).where(LivePlayer.session_id == s.id,
                                                      LivePlayer.token_hash == token_hash(token)))


def join(code: str, name: str, team: str, now: datetime, user: User | None = None) -> tuple[LivePlayer, str]:
    """A new player (and the rejoin token for its cookie); names are unique within a session."""
    s = by_code(code)
    if s.phase == rules.FINAL:
        raise LiveError("Phiên thi đã kết thúc, không tham gia được nữa.", "finished")
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if s.require_account:
        if not signed_in:
            raise LiveError("Phiên thi này yêu cầu đăng nhập: vui lòng đăng nhập bằng tài khoản dự thi rồi vào lại.",
                            "sign_in")
        again = db.session.scalar(select(LivePlayer).where(LivePlayer.session_id == s.id,
                                                           LivePlayer.user_id == user.id))
        if again is not None:  # the same account on another phone: the new phone takes over, the old one is out
            token = secrets.token_urlsafe(24)
            again.token_hash = token_hash(token)
            db.session.commit()
            return again, token
        name = user.full_name
    name = normalize_text(name)
    if not name:
        raise LiveError("Vui lòng nhập tên hiển thị.", "name")
    if len(name) > NAME_MAX:
        raise LiveError(f"Tên hiển thị tối đa {NAME_MAX} ký tự.", "name")
    team = normalize_text(team)
    if s.team_mode:
        if team not in s.teams:
            raise LiveError("Vui lòng chọn đội của bạn trong danh sách.", "team")
        if s.max_team_members:
            members = db.session.scalar(select(func.count(LivePlayer.id)).where(
                LivePlayer.session_id == s.id, LivePlayer.team == team))
            if members >= s.max_team_members:
                raise LiveError(f"Đội {team} đã đủ {s.max_team_members} thành viên.", "team_full")
    else:
        team = ""
    token = secrets.token_urlsafe(24)
    player = LivePlayer(session_id=s.id, display_name=name, name_key=name.casefold(), team=team,
                        token_hash=token_hash(token), user_id=user.id if signed_in else None, joined_at=now)
    db.session.add(player)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise LiveError("Tên này đã có người dùng trong phiên thi. Vui lòng thêm họ hoặc tên đơn vị.", "name_taken") from None
    publish_count(s)
    return player, token


def answer(s: LiveSession, player: LivePlayer, position: int, option_id: int, now: datetime) -> LiveAnswer:
    """Record the player's one answer to the open question, timed by `now` (the server's clock)."""
    if player.session_id != s.id:
        raise LiveError("Bạn chưa tham gia phiên thi này.", "not_player")
    # A shared lock: the host's step (FOR UPDATE) waits for answers being written, and they read its latest state.
    s = db.session.scalar(select(LiveSession).where(LiveSession.id == s.id).with_for_update(read=True)
                          .execution_options(populate_existing=True))
    state = state_of(s)
    rules.check_answer(state, position, now)
    question_id = _question_id(s, position)
    correct = _key(question_id).get(option_id)
    if correct is None:
        raise LiveError("Lựa chọn không hợp lệ.", "option")
    elapsed = rules.elapsed_ms(state, now)
    pts = 0 if state.is_sudden_death else rules.points(s.scoring_rule, s.base_points, correct, elapsed,
                                                       s.seconds_per_question * 1000)
    row = LiveAnswer(session_id=s.id, player_id=player.id, position=position, question_id=question_id,
                     option_id=option_id, correct=correct, accepted_at=now, elapsed_ms=elapsed, points=pts)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise LiveError("Bạn đã trả lời câu này rồi: mỗi câu chỉ được trả lời một lần.", "answered") from None
    publish_count(s)
    return row


_keys: dict[tuple[str, int], dict[int, bool]] = {}  # (database, question version id) → {option id: is correct}


def _key(question_id: int) -> dict[int, bool]:
    """A question version's options and which is right. A version never changes (an edit makes a new one), so
    each process reads it once: 300 phones answering at once do not ask the database for it 300 times."""
    cache_key = (db.engine.url.render_as_string(), question_id)
    key = _keys.get(cache_key)
    if key is None:
        key = dict(db.session.execute(select(QuestionOption.id, QuestionOption.is_correct)
                                      .where(QuestionOption.question_id == question_id)).all())
        if len(_keys) > 5000:
            _keys.clear()
        _keys[cache_key] = key
    return key


def _question_id(s: LiveSession, position: int) -> int:
    ids = list(s.question_ids) + list(s.tiebreak_ids)
    if not 0 <= position < len(ids):
        raise LiveError("Câu hỏi này không còn nhận câu trả lời.", "closed")
    return ids[position]


# ---------------------------------------------------------------- what the screens show


def _answers(s: LiveSession) -> list[LiveAnswer]:
    return list(db.session.scalars(select(LiveAnswer).where(LiveAnswer.session_id == s.id)))


def _players(s: LiveSession) -> list[LivePlayer]:
    return list(db.session.scalars(select(LivePlayer).where(LivePlayer.session_id == s.id).order_by(LivePlayer.id)))


def boards(s: LiveSession, answers: list[LiveAnswer] | None = None,
           players: list[LivePlayer] | None = None) -> tuple[list[rules.BoardRow], list[rules.BoardRow] | None]:
    """The individual board and, in team mode, the team board."""
    answers = _answers(s) if answers is None else answers
    players = _players(s) if players is None else players
    scored = [rules.Scored(a.player_id, a.position, a.correct, a.elapsed_ms, a.points) for a in answers]
    individual = rules.board([(p.id, p.display_name, p.team) for p in players], scored, len(s.question_ids),
                             s.sudden_deaths)
    teams = rules.team_board(individual, list(s.teams), s.sudden_deaths) if s.team_mode else None
    return individual, teams


def _row(r: rules.BoardRow) -> dict:
    return {"rank": r.rank, "name": r.name, "team": r.team, "score": r.score, "correct": r.correct,
            "time": rules.seconds_text(r.correct_ms), "members": r.members}


def _question(s: LiveSession, position: int) -> Question:
    return db.session.get(Question, _question_id(s, position))


def public_state(s: LiveSession) -> dict:
    """What every screen of the session may see now (no answer key before the reveal)."""
    state = state_of(s)
    out = {"v": s.version, "phase": s.phase, "label": rules.PHASE_LABELS[s.phase], "position": s.position,
           "count": len(s.question_ids), "paused": s.paused, "closes_at": _now_ms(s.closes_at),
           "remaining_ms": s.remaining_ms, "seconds": s.seconds_per_question, "title": s.title,
           "team_mode": s.team_mode, "sudden": state.is_sudden_death if s.position >= 0 else False}
    players = _players(s)
    out["players"] = len(players)
    if s.phase in (rules.QUESTION, rules.REVEAL) and s.position >= 0:
        q = _question(s, s.position)
        out["question"] = {"number": s.position + 1, "text": q.text,
                           "options": [{"id": o.id, "letter": rules.OPTION_LETTERS[i], "text": o.text}
                                       for i, o in enumerate(q.options)]}
    if s.phase == rules.LOBBY:
        out["names"] = [p.display_name for p in players[-60:]]
        return out
    if s.phase == rules.QUESTION:
        return out
    answers = _answers(s)
    if s.phase == rules.REVEAL:
        q = _question(s, s.position)
        chosen = [a.option_id for a in answers if a.position == s.position]
        counts = rules.option_counts([(o.id, o.text, o.is_correct) for o in q.options], chosen)
        right = q.correct_option
        out["reveal"] = {"correct": right.id if right else None,
                         "letter": next((c.letter for c in counts if c.correct), ""),
                         "explanation": q.explanation, "source": q.source, "answered": len(chosen),
                         "counts": [{"letter": c.letter, "count": c.count, "correct": c.correct} for c in counts]}
    individual, teams = boards(s, answers, players)
    shown = teams if teams is not None else individual
    out["board"] = [_row(r) for r in (shown if s.phase == rules.FINAL else shown[:BOARD_TOP])]
    if teams is not None and s.phase == rules.FINAL:
        out["individual"] = [_row(r) for r in individual]
    out["tied"] = s.phase == rules.FINAL and rules.top_tied(shown)
    out["tiebreaks_left"] = len(s.tiebreak_ids) - s.sudden_deaths
    last = {a.player_id: a for a in answers if a.position == s.position}
    out["me"] = {str(r.key): [r.rank, r.score, last[int(r.key)].points if int(r.key) in last else None,
                              last[int(r.key)].correct if int(r.key) in last else None] for r in individual}
    return out


def answer_count(s: LiveSession) -> dict:
    """What the host screen counts: answers to the current question and players (one query)."""
    answered = (select(func.count(LiveAnswer.id)).where(LiveAnswer.session_id == s.id,
                                                        LiveAnswer.position == s.position).scalar_subquery())
    joined = select(func.count(LivePlayer.id)).where(LivePlayer.session_id == s.id).scalar_subquery()
    n, players = db.session.execute(select(answered, joined)).one()
    out = {"v": s.version, "position": s.position, "answered": n, "players": players}
    if s.phase == rules.LOBBY:  # the host screen lists who has joined (the phones are not told each time)
        out["names"] = list(reversed(db.session.scalars(select(LivePlayer.display_name).where(
            LivePlayer.session_id == s.id).order_by(LivePlayer.id.desc()).limit(60)).all()))
    return out


def player_view(s: LiveSession, player: LivePlayer | None, now: datetime) -> dict:
    """The polling fallback and a reconnecting phone: the public state, and this player's own answer."""
    out = {"now": _now_ms(now), "state": public_state(s)}
    if player is not None:
        mine = db.session.scalar(select(LiveAnswer).where(LiveAnswer.player_id == player.id,
                                                          LiveAnswer.position == s.position))
        out["player"] = {"id": player.id, "name": player.display_name, "team": player.team,
                         "answered": mine.option_id if mine else None}
    return out


def publish_state(s: LiveSession) -> None:
    live_push.publish(s.push_key, public_state(s), s.version)
    publish_count(s)


def publish_count(s: LiveSession) -> None:
    live_push.publish(s.push_key, answer_count(s), s.version, audience="host")


def current_text(s: LiveSession) -> str:
    """The latest published state of the session (built from the database when none is kept)."""
    text = live_push.broker().latest(live_push.channel(s.push_key))
    if text:
        return text
    return json.dumps(public_state(s), ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- results


def _require_final(s: LiveSession) -> None:
    if s.phase != rules.FINAL:
        raise LiveError("Phiên chưa kết thúc: kết quả chỉ có sau bảng điểm chung cuộc.", "not_final")


def export_xlsx(s: LiveSession, actor: User | None, tz: ZoneInfo) -> tuple[bytes, str]:
    """The final board(s) as an Excel file (team board first in team mode)."""
    access.require(actor, s.contest_id)
    individual, teams = boards(s)
    sheets = ([("Xếp hạng đội", teams, True)] if teams is not None else []) + [("Xếp hạng cá nhân", individual, False)]
    return rules.board_xlsx(sheets, s.title, s.finished_at, tz), f"ket-qua-truc-tiep-{s.join_code}.xlsx"


def publish_results(s: LiveSession, now: datetime, actor: User | None) -> LiveSession:
    """Freeze the final board as the public CSV with its SHA-256 (published once; the file never changes)."""
    access.require(actor, s.contest_id, decide=True)
    _require_final(s)
    if s.digest:
        raise LiveError("Kết quả phiên này đã công bố.", "published")
    individual, teams = boards(s)
    s.public_csv = rules.board_csv(teams if teams is not None else individual, teams is not None)
    s.digest = hashlib.sha256(s.public_csv).hexdigest()
    s.published_at, s.published_by_id = now, actor.id if actor else None
    audit.record("live.publish", actor, now, contest_id=s.contest_id, after={"live_session": s.id, "sha256": s.digest})
    db.session.commit()
    return s


def published_sessions(contest_id: int) -> list[LiveSession]:
    """The contest's live sessions whose results are published, newest first (for its public page)."""
    return list(db.session.scalars(select(LiveSession).where(LiveSession.contest_id == contest_id,
                                                             LiveSession.digest.is_not(None))
                                   .order_by(LiveSession.published_at.desc())))


def published_board(s: LiveSession) -> list[list[str]]:
    """The published CSV's rows (the public page shows exactly the file)."""
    if not s.digest:
        raise LiveError("Kết quả phiên thi này chưa được công bố.", "not_found")
    return list(csv.reader(io.StringIO(s.public_csv.decode("utf-8-sig"))))

