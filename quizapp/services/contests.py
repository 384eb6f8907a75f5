"""Reading contests and rounds for display."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import random

from sqlalchemy import select, text

from quizapp.domain import draw
from quizapp.domain.errors import DomainError
from quizapp.domain.timing import round_state
from quizapp.extensions import db
from quizapp.models import Attempt, Contest, Round
from quizapp.services.attempts import candidate_questions


@dataclass
class RoundView:
    """A round with its state at `now` ('upcoming', 'open', 'closed'; the practice round is always 'open')."""

    round: Round
    state: str
    seconds_to_open: int


def featured_contest() -> Contest | None:
    """The contest the home page presents: the newest published one."""
    return db.session.scalar(select(Contest).where(Contest.is_published).order_by(Contest.id.desc()).limit(1))


def get_contest(slug: str) -> Contest | None:
    return db.session.scalar(select(Contest).where(Contest.slug == slug))


def round_views(contest: Contest, now: datetime) -> list[RoundView]:
    """Rounds in display order (weekly rounds by number, practice last) with their state."""
    views = []
    for rnd in contest.rounds:
        state = "open" if rnd.is_practice else round_state(now, rnd.opens_at, rnd.closes_at)
        views.append(RoundView(rnd, state, max(0, int((rnd.opens_at - now).total_seconds()))))
    return sorted(views, key=lambda v: (v.round.is_practice, v.round.number))


def database_ok() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "unreachable" for the health check
        db.session.rollback()
        return False


@dataclass
class RoundSettings:
    """What an organiser sets on a round. Times are aware datetimes (UTC)."""

    name: str
    opens_at: datetime
    closes_at: datetime
    question_count: int
    time_limit_minutes: int
    attempts_allowed: int | None
    counting_rule: str
    prediction_mode: str | None
    prediction_question: str
    blueprint: list
    single_device: bool


def update_round(round_id: int, settings: RoundSettings, now: datetime) -> Round:
    """Change a round's rules. Rules that decide scores are frozen once someone has started the round."""
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        raise DomainError("Không tìm thấy đợt thi.", "not_found")
    _check_settings(settings)
    started = db.session.scalar(select(Attempt.id).where(Attempt.round_id == rnd.id).limit(1)) is not None
    scoring = ("question_count", "counting_rule", "prediction_mode", "blueprint")
    if started and any(getattr(rnd, f) != getattr(settings, f) for f in scoring):
        raise DomainError("Đợt thi đã có người dự thi: không thể đổi số câu, cơ cấu đề, cách tính lượt hay câu dự đoán.",
                          "round_started")
    if started and settings.opens_at != rnd.opens_at:
        raise DomainError("Đợt thi đã có người dự thi: không thể đổi thời điểm mở.", "round_started")
    rnd.name = settings.name
    rnd.opens_at, rnd.closes_at = settings.opens_at, settings.closes_at
    rnd.question_count, rnd.time_limit_seconds = settings.question_count, settings.time_limit_minutes * 60
    rnd.attempts_allowed, rnd.counting_rule = settings.attempts_allowed, settings.counting_rule
    rnd.prediction_mode, rnd.prediction_question = settings.prediction_mode, settings.prediction_question
    rnd.blueprint, rnd.single_device = settings.blueprint, settings.single_device
    db.session.commit()
    return rnd


def _check_settings(s: RoundSettings) -> None:
    if s.closes_at <= s.opens_at:
        raise DomainError("Thời điểm đóng phải sau thời điểm mở.", "invalid_window")
    if not 1 <= s.question_count <= 200 or not 1 <= s.time_limit_minutes <= 600:
        raise DomainError("Số câu hỏi (1–200) hoặc thời gian làm bài (1–600 phút) không hợp lệ.", "invalid_round")
    if s.attempts_allowed is not None and s.attempts_allowed < 1:
        raise DomainError("Số lượt thi phải từ 1 trở lên (để trống nếu không giới hạn).", "invalid_round")
    if s.prediction_mode and not s.prediction_question.strip():
        raise DomainError("Vui lòng nhập nội dung câu hỏi dự đoán.", "invalid_round")
    blueprint = draw.parse_blueprint(s.blueprint)
    if sum(item.count for item in blueprint) > s.question_count:
        raise DomainError("Tổng số câu trong cơ cấu đề vượt quá số câu hỏi của đợt thi.", "invalid_blueprint")
    draw.draw_questions(candidate_questions(), blueprint, s.question_count, random.Random(0))  # bank too small?
