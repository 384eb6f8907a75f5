"""Phones in the hall: join with the code, the player page, its event stream and polling fallback, answers;
and the published board of a finished session."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from quizapp.domain import live as rules
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.live.forms import JoinForm
from quizapp.models import utcnow
from quizapp.services import live, live_push
from quizapp.web import domain_status, download

bp = Blueprint("live", __name__, url_prefix="/truc-tiep")
COOKIE = "qz_live_{}"
COOKIE_DAYS = 2


@bp.app_template_global()
def published_live_sessions(contest_id: int):
    """For the contest's public page: its live sessions with published results."""
    return live.published_sessions(contest_id)


def _cookie(s) -> str | None:
    return request.cookies.get(COOKIE.format(s.id))


def _join_page(form: JoinForm, s=None, message: str | None = None, status: int = 200):
    if s is not None and s.team_mode:
        form.team.choices = [("", "— Chọn đội —")] + [(t, t) for t in s.teams]
    return render_template("live/join.html", form=form, session=s, message=message,
                           scoring=rules.SCORING_LABELS, tie_break=rules.TIE_BREAK_TEXT), status


@bp.get("")
def join_page():
    form = JoinForm(formdata=None)
    code = (request.args.get("ma") or "").strip()
    s = None
    if code:
        form.code.data = code
        try:
            s = live.by_code(code)
        except DomainError as e:
            return _join_page(form, None, e.message, 404)
    return _join_page(form, s)


@bp.post("")
def join():
    form = JoinForm()
    s = None
    try:
        s = live.by_code(form.code.data or "")
        if s.require_account and current_user.is_authenticated:
            form.name.data = current_user.full_name  # the account's name, not one typed
        if not form.validate():
            message = next(iter(e for errors in form.errors.values() for e in errors), "Thông tin chưa hợp lệ.")
            return _join_page(form, s, message, 400)
        player, token = live.join(form.code.data, form.name.data or "", request.form.get("team", ""), utcnow(),
                                  current_user)
    except DomainError as e:
        return _join_page(form, s, e.message, 404 if e.code == "not_found" else 400)
    resp = redirect(url_for("live.play", code=s.join_code))
    resp.set_cookie(COOKIE.format(s.id), token, max_age=COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                    secure=current_app.config["SESSION_COOKIE_SECURE"], path="/truc-tiep")
    return resp


@bp.get("/<code>")
def play(code: str):
    try:
        s = live.by_code(code)
    except DomainError as e:
        return _join_page(JoinForm(formdata=None), None, e.message, 404)
    player = live.player_for(s, _cookie(s))
    if player is None:
        form = JoinForm(formdata=None)
        form.code.data = s.join_code
        return _join_page(form, s)
    return render_template("live/play.html", session=s, player=player, scoring=rules.SCORING_LABELS)


@bp.get("/<code>/trang-thai")
def state(code: str):
    """The polling fallback, and what a (re)connecting phone reads once: the state and its own answer."""
    try:
        s = live.by_code(code)
    except DomainError as e:
        return jsonify(error="not_found", message=e.message), 404
    resp = jsonify(live.player_view(s, live.player_for(s, _cookie(s)), utcnow()))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def sse(s, audiences: tuple[str, ...]) -> Response:
    """A Server-Sent Events response; the database session is given back before the stream starts waiting."""
    first, key = live.current_text(s), s.push_key
    broker = live_push.broker()
    heartbeat = current_app.config.get("LIVE_HEARTBEAT_SECONDS", live_push.HEARTBEAT_SECONDS)
    db.session.remove()
    resp = Response(stream_with_context(live_push.stream(broker, key, lambda: first, audiences, heartbeat)),
                    mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-cache, no-store"
    resp.headers["X-Accel-Buffering"] = "no"  # nginx passes each event on at once
    return resp


@bp.get("/<code>/luong")
def stream(code: str):
    try:
        s = live.by_code(code)
    except DomainError as e:
        return jsonify(error="not_found", message=e.message), 404
    return sse(s, ("players",))


@bp.post("/<code>/tra-loi")
def answer(code: str):
    now = utcnow()  # the server's clock, taken before anything else
    try:
        s = live.by_code(code)
        player = live.player_for(s, _cookie(s))
        if player is None:
            return jsonify(error="not_player", message="Bạn chưa tham gia phiên thi này. Vui lòng nhập tên để "
                                                       "tham gia."), 403
        data = request.get_json(silent=True)
        data = data if isinstance(data, dict) else {}
        position, option = data.get("position"), data.get("option")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (position, option)):
            return jsonify(error="bad_input", message="Câu trả lời không hợp lệ."), 400
        row = live.answer(s, player, position, option, now)
    except DomainError as e:
        return jsonify(error=e.code, message=e.message), domain_status(e)
    return jsonify(ok=True, position=row.position, option=row.option_id, message="Đã ghi nhận")


@bp.get("/<code>/ket-qua")
def results(code: str):
    try:
        s = live.by_code(code)
        rows = live.published_board(s)
    except DomainError as e:
        return render_template("error.html", status=404, title="Không tìm thấy", message=e.message), 404
    return render_template("live/results.html", session=s, header=rows[0], rows=rows[1:])


@bp.get("/<code>/ket-qua.csv")
def results_csv(code: str):
    try:
        s = live.by_code(code)
        live.published_board(s)
    except DomainError as e:
        return render_template("error.html", status=404, title="Không tìm thấy", message=e.message), 404
    resp = make_response(download(s.public_csv, f"ket-qua-truc-tiep-{s.join_code}.csv", "text/csv; charset=utf-8"))
    return resp
