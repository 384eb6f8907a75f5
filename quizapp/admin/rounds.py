"""Organisers set up rounds: window, questions, time, attempts, counting rule, prediction, the draw by topic.

The draw (cơ cấu đề) is a grid: one row per topic the contest draws, with the bank's counts beside it, and how
many questions of each difficulty to take. Changing a round somebody has taken says whom it touches first.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.admin.contest_forms import DeleteForm, RoundForm
from quizapp.admin.guards import contest_staff
from quizapp.domain import draw
from quizapp.domain.errors import DomainError
from quizapp.models import Round, utcnow
from quizapp.services import contest_setup, contests

bp = Blueprint("admin_rounds", __name__, url_prefix="/quan-tri")
LEVELS = (None, 1, 2, 3)


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def _round(contest, round_id: int) -> Round:
    return contests.round_in(contest.id, round_id) or abort(404)


@bp.get("/cuoc-thi/<slug>/dot-thi")
@contest_staff(decide=True)
def index(contest, access):
    impacts = {r.id: contest_setup.round_impact(r) for r in contest.rounds}
    ordered = sorted(contest.rounds, key=lambda r: (r.is_practice, r.number))  # weekly rounds, practice last
    return render_template("admin/rounds.html", contest=contest, access=access, impacts=impacts, rounds=ordered,
                           delete_form=DeleteForm(), has_practice=any(r.is_practice for r in contest.rounds))


def _grid(contest, kind: str) -> list[contest_setup.TopicChoice]:
    use = "practice" if kind == "practice" else "ranked"
    return [c for c in contest_setup.topic_choices(contest) if c.use == use]


def _cells_from_request(topics: list[contest_setup.TopicChoice]) -> dict:
    return draw.parse_blueprint_cells({(slug, level): request.form.get(f"bp-{slug or 'all'}-{level or 'any'}")
                                       for slug in [c.topic.slug for c in topics] + [None] for level in LEVELS})


def _settings(form: RoundForm, cells: dict, kind: str) -> contest_setup.RoundSettings:
    tz = _tz()

    def aware(value: datetime) -> datetime:
        return value.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))

    return contest_setup.RoundSettings(
        name=(form.name.data or "").strip(), opens_at=aware(form.opens_at.data), closes_at=aware(form.closes_at.data),
        question_count=form.question_count.data, time_limit_minutes=form.time_limit_minutes.data,
        attempts_allowed=form.attempts_allowed.data, counting_rule=form.counting_rule.data,
        prediction_mode=form.prediction_mode.data or None, prediction_question=form.prediction_question.data or "",
        blueprint=draw.blueprint_from_cells(cells), single_device=bool(form.single_device.data), kind=kind)


def _fill(form: RoundForm, rnd: Round) -> None:
    tz = _tz()
    form.name.data = rnd.name
    form.opens_at.data = rnd.opens_at.astimezone(tz).replace(tzinfo=None)
    form.closes_at.data = rnd.closes_at.astimezone(tz).replace(tzinfo=None)
    form.question_count.data = rnd.question_count
    form.time_limit_minutes.data = rnd.time_limit_seconds // 60
    form.attempts_allowed.data = rnd.attempts_allowed
    form.counting_rule.data = rnd.counting_rule
    form.prediction_mode.data = rnd.prediction_mode or ""
    form.prediction_question.data = rnd.prediction_question
    form.single_device.data = rnd.single_device


def _page(contest, access, form, kind, topics, cells, rnd=None, impact=None, status=200):
    return render_template("admin/round_edit.html", contest=contest, access=access, form=form, rnd=rnd, kind=kind,
                           topics=topics, cells=cells, levels=LEVELS, impact=impact,
                           started=bool(rnd and contest_setup.round_impact(rnd)[0])), status


@bp.route("/cuoc-thi/<slug>/dot-thi/moi", methods=["GET", "POST"])
@contest_staff(decide=True)
def create(contest, access):
    kind = "practice" if request.args.get("loai") == "thi-thu" else "weekly"
    form = RoundForm()
    topics = _grid(contest, kind)
    cells: dict = {}
    if request.method == "GET":
        form.name.data = "Thi thử" if kind == "practice" else f"Tuần {sum(1 for r in contest.rounds if r.is_ranked) + 1}"
        form.counting_rule.data = "best"
        return _page(contest, access, form, kind, topics, cells)
    try:
        cells = _cells_from_request(topics)
        if form.validate():
            rnd = contest_setup.add_round(contest, _settings(form, cells, kind), utcnow(), current_user)
            flash(f"Đã thêm {rnd.name}.", "success")
            return redirect(url_for("admin_rounds.index", slug=contest.slug))
    except DomainError as e:
        flash(e.message, "error")
    return _page(contest, access, form, kind, topics, cells)


@bp.route("/cuoc-thi/<slug>/dot-thi/<int:round_id>", methods=["GET", "POST"])
@contest_staff(decide=True)
def edit(contest, access, round_id: int):
    rnd = _round(contest, round_id)
    form = RoundForm()
    topics = _grid(contest, rnd.kind)
    if request.method == "GET":
        _fill(form, rnd)
        return _page(contest, access, form, rnd.kind, topics, draw.blueprint_cells(rnd.blueprint or []), rnd)
    cells: dict = {}
    try:
        cells = _cells_from_request(topics)
        if form.validate():
            contest_setup.update_round(rnd.id, _settings(form, cells, rnd.kind), utcnow(), current_user,
                                       confirmed=form.confirmed.data == "1", tz=_tz())
            flash(f"Đã lưu {rnd.name}.", "success")
            return redirect(url_for("admin_rounds.index", slug=contest.slug))
    except contest_setup.NeedsConfirmation as e:
        form.confirmed.data = "1"
        return _page(contest, access, form, rnd.kind, topics, cells, rnd, impact=e.impact)
    except DomainError as e:
        flash(e.message, "error")
    return _page(contest, access, form, rnd.kind, topics, cells, rnd)


@bp.post("/cuoc-thi/<slug>/dot-thi/<int:round_id>/xoa")
@contest_staff(decide=True)
def delete(contest, access, round_id: int):
    rnd = _round(contest, round_id)
    if DeleteForm().validate_on_submit():
        try:
            contest_setup.delete_round(rnd.id, utcnow(), current_user)
            flash("Đã xóa đợt thi.", "success")
        except DomainError as e:
            flash(e.message, "error")
    return redirect(url_for("admin_rounds.index", slug=contest.slug))
