"""Live in-hall sessions of a contest: the organiser sets them up, opens the host screen (projector) and moves
the session on; afterwards the results file and the published board. Contest organisers (and admins) only."""
from __future__ import annotations

import re
from io import BytesIO
from zoneinfo import ZoneInfo

import segno
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.admin.guards import contest_staff
from quizapp.admin.live_forms import ActionForm, LiveSessionForm
from quizapp.domain import live as rules
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.live.routes import sse
from quizapp.models import utcnow
from quizapp.services import contest_setup, live
from quizapp.web import XLSX, download

bp = Blueprint("admin_live", __name__, url_prefix="/quan-tri")


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def _session(contest, live_id: int):
    try:
        return live.get_session(contest, live_id)
    except DomainError:
        abort(404)


def _ids(text: str | None) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[\s,;]+", text or "") if p]
    if any(not p.isdigit() or len(p) > 9 for p in parts):
        raise DomainError("Mã câu hỏi phải là các số, cách nhau bởi dấu phẩy.", "questions")
    return tuple(int(p) for p in parts)


def _settings(form: LiveSessionForm) -> rules.LiveSettings:
    teams = [" ".join(t.split()) for t in (form.teams.data or "").splitlines() if t.strip()]
    return rules.LiveSettings(title=form.title.data or "", seconds=form.seconds.data or 0,
                              scoring_rule=form.scoring_rule.data or "", base_points=form.base_points.data or 0,
                              team_mode=bool(form.team_mode.data), teams=teams,
                              max_team_members=form.max_team_members.data,
                              require_account=bool(form.require_account.data))


def _source(form: LiveSessionForm) -> live.QuestionSource:
    picked = _ids(form.picked.data)
    if picked:
        return live.QuestionSource(picked_ids=picked, picked_tiebreak_ids=_ids(form.picked_tiebreak.data))
    return live.QuestionSource(topic_ids=tuple(form.topics.data or ()), count=form.count.data or 0,
                               tiebreak_count=form.tiebreak_count.data or 0)


def _topic_choices(contest) -> list[tuple[int, str]]:
    return [(c.topic.id, f"{c.topic.title} ({c.total} câu)") for c in contest_setup.topic_choices(contest)
            if c.use is not None]


def _page(contest, access, form, s=None, status=200):
    return render_template("admin/live_edit.html", contest=contest, access=access, form=form, live_session=s,
                           scoring=rules.SCORING_LABELS), status


@bp.get("/cuoc-thi/<slug>/truc-tiep")
@contest_staff(decide=True)
def index(contest, access):
    return render_template("admin/live_sessions.html", contest=contest, access=access,
                           sessions=live.sessions_of(contest), phases=rules.PHASE_LABELS)


@bp.route("/cuoc-thi/<slug>/truc-tiep/moi", methods=["GET", "POST"])
@contest_staff(decide=True)
def create(contest, access):
    form = LiveSessionForm()
    form.topics.choices = _topic_choices(contest)
    if request.method == "GET":
        form.topics.data = [t for t, _ in form.topics.choices]
        return _page(contest, access, form)
    if form.validate():
        try:
            s = live.create_session(contest, _settings(form), _source(form), utcnow(), current_user)
            flash(f"Đã tạo phiên thi {s.title}, mã tham gia {s.join_code}.", "success")
            return redirect(url_for("admin_live.edit", slug=contest.slug, live_id=s.id))
        except DomainError as e:
            db.session.rollback()
            flash(e.message, "error")
    return _page(contest, access, form, status=400)


@bp.route("/cuoc-thi/<slug>/truc-tiep/<int:live_id>", methods=["GET", "POST"])
@contest_staff(decide=True)
def edit(contest, access, live_id: int):
    s = _session(contest, live_id)
    form = LiveSessionForm()
    form.topics.choices = _topic_choices(contest)
    if request.method == "GET":
        form.title.data, form.seconds.data, form.scoring_rule.data = s.title, s.seconds_per_question, s.scoring_rule
        form.base_points.data, form.team_mode.data = s.base_points, s.team_mode
        form.teams.data, form.max_team_members.data = "\n".join(s.teams), s.max_team_members
        form.require_account.data = s.require_account
        form.picked.data = ", ".join(str(i) for i in s.question_ids)
        form.picked_tiebreak.data = ", ".join(str(i) for i in s.tiebreak_ids)
        return _page(contest, access, form, s)
    if form.validate():
        try:
            live.update_session(s, _settings(form), utcnow(), current_user,
                                _source(form) if form.redraw.data or form.picked.data else None)
            flash("Đã lưu phiên thi.", "success")
            return redirect(url_for("admin_live.edit", slug=contest.slug, live_id=s.id))
        except DomainError as e:
            db.session.rollback()
            flash(e.message, "error")
    return _page(contest, access, form, s, status=400)


def _qr_svg(url: str) -> str:
    out = BytesIO()
    segno.make(url, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=8, border=2,
                                    title="Mã QR để tham gia", svgclass="qr", lineclass=None)
    return out.getvalue().decode()


@bp.get("/cuoc-thi/<slug>/truc-tiep/<int:live_id>/man-hinh")
@contest_staff(decide=True)
def host(contest, access, live_id: int):
    s = _session(contest, live_id)
    join_url = url_for("live.join_page", ma=s.join_code, _external=True)
    return render_template("live/host.html", contest=contest, session=s, join_url=join_url, qr=_qr_svg(join_url),
                           scoring=rules.SCORING_LABELS, tie_break=rules.TIE_BREAK_TEXT)


@bp.post("/cuoc-thi/<slug>/truc-tiep/<int:live_id>/dieu-khien")
@contest_staff(decide=True)
def control(contest, access, live_id: int):
    s = _session(contest, live_id)
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    action, seen = data.get("action"), data.get("v")
    if action not in live.ACTIONS or not (seen is None or (isinstance(seen, int) and not isinstance(seen, bool))):
        return jsonify(error="action", message="Thao tác không hợp lệ."), 400
    try:
        s = live.control(s.id, action, utcnow(), current_user, seen)
    except DomainError as e:
        db.session.rollback()
        return jsonify(error=e.code, message=e.message), 409
    return jsonify(ok=True, v=s.version, phase=s.phase)


@bp.get("/cuoc-thi/<slug>/truc-tiep/<int:live_id>/trang-thai")
@contest_staff(decide=True)
def host_state(contest, access, live_id: int):
    s = _session(contest, live_id)
    out = live.player_view(s, None, utcnow())
    out["count"] = live.answer_count(s)
    resp = jsonify(out)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/cuoc-thi/<slug>/truc-tiep/<int:live_id>/luong")
@contest_staff(decide=True)
def host_stream(contest, access, live_id: int):
    s = _session(contest, live_id)
    return sse(s, ("players", "host"))


@bp.get("/cuoc-thi/<slug>/truc-tiep/<int:live_id>/ket-qua.xlsx")
@contest_staff(decide=True)
def export(contest, access, live_id: int):
    s = _session(contest, live_id)
    try:
        data, name = live.export_xlsx(s, current_user, _tz())
    except DomainError as e:
        flash(e.message, "error")
        return redirect(url_for("admin_live.edit", slug=contest.slug, live_id=s.id))
    return download(data, name, XLSX, private=True)


@bp.post("/cuoc-thi/<slug>/truc-tiep/<int:live_id>/cong-bo")
@contest_staff(decide=True)
def publish(contest, access, live_id: int):
    s = _session(contest, live_id)
    if ActionForm().validate_on_submit():
        try:
            live.publish_results(s, utcnow(), current_user)
            flash(f"Đã công bố kết quả. SHA-256 của tệp: {s.digest}", "success")
        except DomainError as e:
            db.session.rollback()
            flash(e.message, "error")
    return redirect(url_for("admin_live.edit", slug=contest.slug, live_id=s.id))
