"""JSON API for the contestant's flow (described in docs/openapi.yaml). Same rules as the pages."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, jsonify, request, session, url_for
from flask_login import current_user, login_user
from flask_wtf.csrf import generate_csrf

from quizapp import ratelimits
from quizapp.domain.errors import DomainError
from quizapp.extensions import limiter
from quizapp.models import utcnow
from quizapp.ratelimits import account_key
from quizapp.safe_input import bounded_int
from quizapp.services import (
    accounts,
    attempts,
    contests,
    dashboard,
    password_reset,
    personal_data,
    registration,
    staff,
)
from quizapp.web import domain_status, rollback, session_user_id, visible_contest

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _ms(dt) -> int | None:
    return int(dt.timestamp() * 1000) if dt else None


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


def _require_login():
    if not current_user.is_authenticated:
        raise DomainError("Vui lòng đăng nhập để tiếp tục.", "unauthorized")


@bp.errorhandler(DomainError)
def _domain_error(e: DomainError):
    rollback()
    status = domain_status(e)
    payload = {"error": e.code, "message": e.message}
    if getattr(e, "field", ""):
        payload["field"] = e.field
    return jsonify(payload), status


@bp.get("/session")
def get_session():
    user = None
    if current_user.is_authenticated:
        user = {"id": current_user.id, "full_name": current_user.full_name, "role": current_user.role}
    return jsonify(authenticated=user is not None, user=user, csrf_token=generate_csrf(), server_time=_ms(utcnow()))


@bp.get("/contests")
def list_contests():
    now = utcnow()
    out = []
    for contest, state, open_rounds, next_round in dashboard.published_contests(now):
        out.append({
            "slug": contest.slug, "title": contest.title, "organizing_body": contest.organizer_name,
            "province_code": contest.province_code, "state": state,
            "open_rounds": [{"id": r.id, "name": r.name, "closes_at": r.closes_at.isoformat()} for r in open_rounds],
            "next_round": {"id": next_round.id, "name": next_round.name, "opens_at": next_round.opens_at.isoformat()}
            if next_round else None,
            "links": {"page": url_for("public.contest_page", slug=contest.slug),
                      "register": url_for("contest.register", slug=contest.slug),
                      "leaderboard": url_for("public.leaderboard", slug=contest.slug)}})
    return jsonify(contests=out, server_time=_ms(now))


@bp.get("/contests/<slug>/areas")
def list_areas(slug: str):
    contest = visible_contest(slug)
    return jsonify(areas=[{"id": a.id, "code": a.code, "name": a.name} for a in registration.selectable_areas(contest)])


@bp.get("/contests/<slug>/units")
def list_units(slug: str):
    contest = visible_contest(slug)
    return jsonify(units=[{"id": u.id, "code": u.code, "name": u.name, "kind": u.kind}
                          for u in registration.selectable_units(contest)])


@bp.post("/contests/<slug>/register")
@limiter.limit(ratelimits.register_limit)
def register(slug: str):
    contest = visible_contest(slug)
    b = _body()
    data = registration.RegistrationData(
        full_name=str(b.get("full_name", "")), birth_date=_date(b.get("birth_date")), gender=str(b.get("gender", "")),
        cccd=str(b.get("cccd", "")), phone=str(b.get("phone", "")), email=str(b.get("email", "") or ""),
        area_id=_int(b.get("area_id"), "area_id"), unit_id=_int(b.get("unit_id"), "unit_id"), category=str(b.get("category", "")),
        password=str(b.get("password", "")), consent=b.get("consent") is True)
    reg = registration.register(contest, data, utcnow(), ip=request.remote_addr or "",
                                device_id=request.cookies.get("qz_device", ""))
    login_user(reg.user)
    return jsonify(user={"id": reg.user.id, "full_name": reg.user.full_name}, registration_id=reg.id,
                   csrf_token=generate_csrf()), 201


def _int(value, field: str) -> int | None:
    """An id or number from the body: None when missing or not a number, 400 when too large for a column."""
    if isinstance(value, bool):
        return None
    try:
        return bounded_int(value, field) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@bp.post("/login")
@limiter.limit(ratelimits.sign_in_limit)
@limiter.limit(ratelimits.sign_in_account_limit, key_func=ratelimits.sign_in_name_key)
def login():
    b = _body()
    user = accounts.authenticate(str(b.get("identifier", "")), str(b.get("password", "")))
    login_user(user, remember=bool(b.get("remember")))
    return jsonify(user={"id": user.id, "full_name": user.full_name, "role": user.role}, csrf_token=generate_csrf())


@bp.post("/password-resets")
@ratelimits.password_reset_limits()
def create_password_reset():
    """Forgotten password: CCCD, birth date and phone of an active contestant give a one-time set-password link."""
    b = _body()
    now = utcnow()
    _, token = password_reset.start(str(b.get("cccd", "")), _date(b.get("birth_date")), str(b.get("phone", "")),
                                    now, ip=request.remote_addr or "")
    session[password_reset.SESSION_KEY] = staff.token_hash(token)  # a browser sharing this session is signed in once it is used
    return jsonify(set_password_url=url_for("auth.set_password", token=token),
                   expires_at=(now + password_reset.LIFETIME).isoformat()), 201


def _date(value) -> date | None:
    """An ISO date from the body, or None (the service then says the date is missing or wrong)."""
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        return None


@bp.get("/contests/<slug>/rounds")
def list_rounds(slug: str):
    contest = visible_contest(slug)
    now = utcnow()
    reg = registration.registration_for(current_user.id, contest.id) if current_user.is_authenticated else None
    out = []
    for v in contests.round_views(contest, now):
        r = v.round
        item = {"id": r.id, "name": r.name, "kind": r.kind, "state": v.state, "opens_at": r.opens_at.isoformat(),
                "closes_at": r.closes_at.isoformat(), "question_count": r.question_count,
                "time_limit_seconds": r.time_limit_seconds, "attempts_allowed": r.attempts_allowed,
                "counting_rule": r.counting_rule, "prediction_question": r.prediction_question if r.prediction_mode else None}
        if reg:
            st = attempts.standing(reg, r)
            item["my_attempts"] = [_attempt_summary(a) for a in st.attempts]
            item["attempts_left"] = st.attempts_left
            item["counted_attempt_id"] = st.counted_attempt_id
        out.append(item)
    return jsonify(rounds=out, server_time=_ms(now))


def _attempt_summary(a) -> dict:
    out = {"id": a.id, "number": a.number, "status": a.status}
    if a.status != attempts.IN_PROGRESS:  # results only once submitted
        out |= {"correct": a.correct, "total": a.total, "score": a.score, "duration_ms": a.duration_ms}
    return out


@bp.post("/rounds/<int:round_id>/attempts")
@limiter.limit("30 per minute", key_func=account_key)
def start_attempt(round_id: int):
    _require_login()
    now = utcnow()
    attempt = attempts.start_attempt_as(current_user.id, round_id, now, device_token=request.cookies.get("qz_device", ""),
                                        client_ip=request.remote_addr or "")
    fresh = attempt.started_at == now  # started by this request: nothing answered yet
    return jsonify(_attempt_json(attempt, now, answers={} if fresh else None)), 201


def _attempt_json(attempt, now, answers: dict | None = None) -> dict:
    view = attempts.view_attempt(attempt, now, answers=answers)
    return {
        "id": attempt.id, "status": attempt.status, "number": attempt.number, "round_id": attempt.round_id,
        "started_at": _ms(attempt.started_at), "deadline": _ms(attempt.deadline_at), "server_time": _ms(now),
        "time_left_seconds": view.time_left_seconds, "prediction_question": view.prediction_question or None,
        "questions": [
            {"id": q.attempt_question_id, "position": q.position, "text": q.text,
             "options": [{"id": o.id, "text": o.text} for o in q.options], "chosen_option_id": q.chosen_option_id,
             **({"correct_option_id": q.correct_option_id, "explanation": q.explanation, "source": q.source}
                if q.correct_option_id else {})}
            for q in view.questions
        ],
    }


@bp.get("/attempts/<int:attempt_id>")
def get_attempt(attempt_id: int):
    """Opening an attempt hands a single-device round over to this device; `?claim=0` only reads (and says
    `device_replaced` when another device holds it), for a page that checks back in the background."""
    _require_login()
    now = utcnow()
    device = request.cookies.get("qz_device", "")
    if request.args.get("claim") == "0":
        attempt = attempts.get_attempt(attempt_id, current_user.id, now)
        if attempt.status == attempts.IN_PROGRESS:
            attempts.check_device(attempt, device)
    else:
        attempt = attempts.open_attempt(attempt_id, current_user.id, now, device)
    data = _attempt_json(attempt, now)
    if attempt.status != attempts.IN_PROGRESS:
        data["result"] = _result_json(attempts.result_of(attempt))
    return jsonify(data)


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@limiter.limit("240 per minute", key_func=account_key)
def save_answer(attempt_id: int, question_id: int):
    user_id = session_user_id()  # the account is not loaded: the statement checks it is active
    if user_id is None:
        _require_login()  # signed out (401), or only remembered: the remember-me cookie signs in again
    b = _body()
    option_id, seq = _int(b.get("option_id"), "option_id"), _int(b.get("seq"), "seq") or 0
    if option_id is None:
        raise DomainError("Vui lòng chọn một phương án.", "invalid_option")
    now, device = utcnow(), request.cookies.get("qz_device", "")
    saved = attempts.try_fast_save(attempt_id, user_id, question_id, option_id, now, seq, device) if user_id else None
    if saved is None:  # refused, or not the common case: the full path says why in Vietnamese
        _require_login()
        saved = attempts.save_answer(attempt_id, current_user.id, question_id, option_id, now, client_seq=seq,
                                     device_token=device)
    out = {"question_id": saved.attempt_question_id, "option_id": saved.option_id, "saved": True}
    if saved.correct_option_id:
        out |= {"correct_option_id": saved.correct_option_id, "explanation": saved.explanation, "source": saved.source}
    return jsonify(out)


@bp.post("/attempts/<int:attempt_id>/submit")
@limiter.limit("60 per minute", key_func=account_key)
def submit_attempt(attempt_id: int):
    _require_login()
    b = request.get_json(silent=True)
    if b is None:  # no body (or not JSON): nothing to say
        b = {}
    elif not isinstance(b, dict):  # [null, null] or "x" is not a submission: 400, not a 500 on .get
        abort(400)
    prediction = b.get("prediction")
    if prediction is not None and (not isinstance(prediction, int) or isinstance(prediction, bool)):
        raise DomainError("Số dự đoán phải là một số nguyên không âm.", "invalid_prediction")
    result = attempts.submit_attempt(attempt_id, current_user.id, utcnow(), prediction,
                                     require_prediction=not b.get("auto"),
                                     device_token=request.cookies.get("qz_device", ""))
    return jsonify(_result_json(result))


def _result_json(r: attempts.AttemptResult) -> dict:
    return {"attempt_id": r.attempt_id, "status": r.status, "correct": r.correct, "total": r.total, "score": r.score,
            "duration_ms": r.duration_ms, "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "prediction": r.prediction}



@bp.get("/me/data")
def export_my_data():
    """Everything held about the signed-in person (Decree 13/2023/NĐ-CP); never cached."""
    _require_login()
    resp = jsonify(personal_data.export(current_user.id, utcnow()))
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
