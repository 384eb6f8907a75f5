"""Organisers' results pages: compute → review flagged winners → approve → publish → correct."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from quizapp.admin.results_forms import ActionForm, PrizeForm, PublishForm, ReviewForm
from quizapp.auth.decorators import roles_required
from quizapp.domain import prizes
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Contest, utcnow
from quizapp.services import leaderboard
from quizapp.services import results as results_service

bp = Blueprint("admin_results", __name__, url_prefix="/quan-tri/ket-qua")

FILES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _contests() -> list[Contest]:
    return list(db.session.scalars(select(Contest).order_by(Contest.id.desc())))


@bp.get("/")
@roles_required("organizer", "moderator")
def index():
    return render_template("admin/results/index.html", overview=results_service.overview(_contests(), utcnow()))


@bp.get("/dot/<int:round_id>")
@roles_required("organizer", "moderator")
def round_page(round_id: int):
    rnd = results_service.get_round(round_id)
    now = utcnow()
    shown = results_service.open_version(round_id) or results_service.published(round_id)
    return render_template(
        "admin/results/round.html", rnd=rnd, now=now, shown=shown, versions=results_service.versions(round_id),
        flagged=results_service.flagged(shown) if shown else [],
        winners=results_service.result_rows(shown, winners_only=True) if shown else [],
        config=results_service.prize_config(rnd), prize_labels=prizes.PRIZE_LABELS,
        action=ActionForm(), publish_form=PublishForm(), review_form=ReviewForm(),
        live=leaderboard.unit_table(rnd.contest, now, round_id=rnd.id, staff=True) if not shown else None)


def _back(round_id: int):
    return redirect(url_for("admin_results.round_page", round_id=round_id))


def _run(round_id: int, step, success: str):
    """Run one workflow step; its refusal is shown on the round's page."""
    try:
        step()
    except DomainError as e:
        flash(e.message, "error")
    else:
        flash(success, "success")
    return _back(round_id)


@bp.post("/dot/<int:round_id>/tinh")
@roles_required("organizer")
def compute(round_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    return _run(round_id, lambda: results_service.compute(round_id, utcnow(), current_user.id),
                "Đã tính kết quả (bản nháp). Hãy xem xét các trường hợp bị gắn cờ rồi duyệt.")


@bp.post("/dot/<int:round_id>/xem-xet/<int:attempt_id>")
@roles_required("organizer", "moderator")
def review(round_id: int, attempt_id: int):
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(round_id, lambda: results_service.review_entry(
        round_id, attempt_id, form.decision.data, form.note.data or "", utcnow(), current_user.id),
        "Đã lưu quyết định.")


@bp.post("/phien-ban/<int:result_id>/duyet")
@roles_required("organizer")
def approve(result_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    result = results_service.get_result(result_id)
    return _run(result.round_id, lambda: results_service.approve(result_id, utcnow(), current_user.id),
                "Đã duyệt kết quả. Có thể công bố.")


@bp.post("/phien-ban/<int:result_id>/cong-bo")
@roles_required("organizer")
def publish(result_id: int):
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    result = results_service.get_result(result_id)
    return _run(result.round_id, lambda: results_service.publish(result_id, utcnow(), current_user.id,
                                                                 form.reason.data or ""),
                "Đã công bố kết quả. Trang kết quả công khai hiển thị mã SHA-256 của tệp kết quả.")


@bp.get("/dot/<int:round_id>/xuat.<fmt>")
@roles_required("organizer")
def export(round_id: int, fmt: str):
    if fmt not in FILES:
        abort(404)
    data, filename = results_service.export(round_id, fmt, public=bool(request.args.get("cong-khai")),
                                            version=request.args.get("phien-ban", type=int))
    resp = Response(data, mimetype=FILES[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/cuoc-thi/<int:contest_id>/giai-thuong", methods=["GET", "POST"])
@roles_required("organizer")
def prize_config(contest_id: int):
    contest = db.session.get(Contest, contest_id) or abort(404)
    form = PrizeForm()
    if request.method == "GET":
        config = contest.prize_config or {}
        individual = prizes.individual_counts(config, "")
        collective = prizes.collective_counts(config)
        form.process(data={**individual.as_dict(), **{f"collective_{k}": v for k, v in collective.as_dict().items()}})
    elif form.validate_on_submit():
        config = {"individual": {k: getattr(form, k).data for k in prizes.PRIZES},
                  "collective": {k: getattr(form, f"collective_{k}").data for k in ("first", "second", "third")}}
        try:
            results_service.set_prize_config(contest, config)
        except DomainError as e:
            flash(e.message, "error")
        else:
            flash("Đã lưu cơ cấu giải thưởng. Kết quả tính từ nay dùng cơ cấu này.", "success")
            return redirect(url_for("admin_results.index"))
    return render_template("admin/results/prizes.html", contest=contest, form=form)
