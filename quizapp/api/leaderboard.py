"""JSON leaderboards (described in docs/openapi.yaml): boards, participation tables, the caller's own place.

Boards and tables are public and the same for everyone (shared caches may keep them briefly); the
caller's own place is personal: it needs a session and is never stored by a cache.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_login import current_user

from quizapp.domain.errors import DomainError
from quizapp.models import utcnow
from quizapp.services import access
from quizapp.services import leaderboard as service
from quizapp.web import domain_status, rollback, visible_contest

bp = Blueprint("leaderboard_api", __name__, url_prefix="/api/v1")


@bp.errorhandler(DomainError)
def _domain_error(e: DomainError):
    rollback()
    return jsonify({"error": e.code, "message": e.message}), domain_status(e)


def _contest(slug: str):
    g.board_contest = visible_contest(slug)
    return g.board_contest


def _staff(contest=None) -> bool:
    """Staff of this contest (they see the live prediction figures); staff of another contest are the public here."""
    contest = contest or g.get("board_contest")
    return access.for_contest(current_user, contest) is not None if contest is not None else False


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _shared(resp):
    """Everyone sees the same board, except staff (live prediction figures): theirs is never stored."""
    resp.headers["Cache-Control"] = "private, no-store" if _staff() else "public, max-age=15"
    resp.headers["Vary"] = "Cookie"
    return resp


@bp.get("/contests/<slug>/leaderboard")
def get_leaderboard(slug: str):
    contest, args = _contest(slug), request.args
    board = service.board(contest, utcnow(), round_id=args.get("round_id", type=int), track_code=args.get("track"),
                          area_id=args.get("area_id", type=int), unit_id=args.get("unit_id", type=int),
                          limit=args.get("limit", 50, type=int), offset=args.get("offset", 0, type=int),
                          staff=_staff())
    return _shared(jsonify({
        "contest": contest.slug, "round_id": board.round.id if board.round else None, "track": board.track.code,
        "area_id": board.area.id if board.area else None, "unit_id": board.unit.id if board.unit else None,
        "total": board.total, "limit": board.limit, "offset": board.offset,
        "prediction_actual": board.prediction_actual,
        "entries": [{
            "rank": r.rank, "full_name": r.full_name, "unit": r.unit_name or None, "area": r.area_name or None,
            "correct": r.correct, "total": r.total, "score": r.score, "duration_ms": r.duration_ms,
            "submitted_at": _iso(r.submitted_at), "prediction": r.prediction, "prediction_error": r.prediction_error,
            "rounds": r.rounds,
        } for r in board.rows],
    }))


def _table_json(table: service.Table) -> dict:
    return {
        "contest": table.contest.slug, "round_id": table.round.id if table.round else None,
        "track": table.track.code if table.track else None, "perfect_hidden": table.perfect_hidden,
        "rows": [{
            "id": r.id, "code": r.code, "name": r.name, "block": r.block or None, "registered": r.registered,
            "participants": r.participants, "attempts": r.attempts, "denominator": r.denominator,
            "participation_rate": r.rate, "mean_score": r.mean_score, "perfect": r.perfect, "rank": r.rank,
            "excluded_reason": r.excluded_reason,
        } for r in table.rows],
    }


@bp.get("/contests/<slug>/leaderboard/areas")
def get_area_table(slug: str):
    contest, args = _contest(slug), request.args
    table = service.area_table(contest, utcnow(), round_id=args.get("round_id", type=int),
                               track_code=args.get("track"), staff=_staff())
    return _shared(jsonify(_table_json(table)))


@bp.get("/contests/<slug>/leaderboard/units")
def get_unit_table(slug: str):
    contest, args = _contest(slug), request.args
    table = service.unit_table(contest, utcnow(), round_id=args.get("round_id", type=int),
                               track_code=args.get("track"), staff=_staff())
    return _shared(jsonify(_table_json(table)))


@bp.get("/contests/<slug>/leaderboard/me")
def get_my_standing(slug: str):
    if not current_user.is_authenticated:
        raise DomainError("Vui lòng đăng nhập để xem thứ hạng của bạn.", "unauthorized")
    contest = _contest(slug)
    mine = service.standing(contest, current_user.id, utcnow(), round_id=request.args.get("round_id", type=int))
    if mine is None:
        raise DomainError("Bạn chưa đăng ký cuộc thi này.", "not_found")
    resp = jsonify({
        "contest": contest.slug, "round_id": mine.round.id if mine.round else None,
        "track": mine.registration.track.code, "participated": mine.participated, "ranked": mine.ranked,
        "disqualified": mine.disqualified, "attempts": mine.attempts, "correct": mine.correct, "total": mine.total,
        "score": mine.score, "duration_ms": mine.duration_ms, "submitted_at": _iso(mine.submitted_at),
        "prediction": mine.prediction, "prediction_error": mine.prediction_error, "rounds": mine.rounds,
        "places": [{"scope": p.scope, "name": p.label, "rank": p.rank, "of": p.of} for p in mine.places],
    })
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Vary"] = "Cookie"
    return resp
