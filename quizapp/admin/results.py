"""Organisers' results pages: compute → review flagged winners → approve → publish → correct.

Moderators read the results of their unit or area (drafts included, only their own entries) and decide nothing.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.admin.guards import contest_staff
from quizapp.admin.results_forms import ActionForm, PublishForm, ReviewForm
from quizapp.domain import item_stats, prizes
from quizapp.domain.errors import DomainError
from quizapp.models import utcnow
from quizapp.services import item_stats as item_stats_service
from quizapp.services import leaderboard
from quizapp.services import results as results_service
from quizapp.web import FILE_TYPES, download

bp = Blueprint("admin_results", __name__, url_prefix="/quan-tri/cuoc-thi/<slug>/ket-qua")


def _round(contest, round_id: int):
    try:
        rnd = results_service.get_round(round_id)
    except DomainError:
        abort(404)
    if rnd.contest_id != contest.id:
        abort(404)
    return rnd


def _result(contest, result_id: int):
    try:
        result = results_service.get_result(result_id)
    except DomainError:
        abort(404)
    if result.round.contest_id != contest.id:
        abort(404)
    return result


@bp.get("/")
@contest_staff()
def index(contest, access):
    return render_template("admin/results/index.html", contest=contest, access=access,
                           overview=results_service.overview([contest], utcnow()))


@bp.get("/dot/<int:round_id>")
@contest_staff()
def round_page(contest, access, round_id: int):
    rnd = _round(contest, round_id)
    now = utcnow()
    shown = results_service.open_version(round_id) or results_service.published(round_id)
    live = None
    if not shown:
        live = leaderboard.unit_table(rnd.contest, now, round_id=rnd.id, staff=True)
    return render_template(
        "admin/results/round.html", contest=contest, access=access, rnd=rnd, now=now, shown=shown,
        versions=results_service.versions(round_id),
        flagged=results_service.flagged(shown, access) if shown else [],
        winners=results_service.result_rows(shown, winners_only=True, scope=access) if shown else [],
        config=results_service.prize_config(rnd), prize_labels=prizes.PRIZE_LABELS,
        action=ActionForm(), publish_form=PublishForm(), review_form=ReviewForm(),
        live=live if access.sees_everything else None)


def _back(contest, round_id: int):
    return redirect(url_for("admin_results.round_page", slug=contest.slug, round_id=round_id))


def _run(contest, round_id: int, step, success: str):
    """Run one workflow step; its refusal is shown on the round's page."""
    try:
        step()
    except DomainError as e:
        flash(e.message, "error")
    else:
        flash(success, "success")
    return _back(contest, round_id)


@bp.post("/dot/<int:round_id>/tinh")
@contest_staff(decide=True)
def compute(contest, access, round_id: int):
    _round(contest, round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _run(contest, round_id, lambda: results_service.compute(round_id, utcnow(), current_user),
                "Đã tính kết quả (bản nháp). Hãy xem xét các trường hợp bị gắn cờ rồi duyệt.")


@bp.post("/dot/<int:round_id>/xem-xet/<int:attempt_id>")
@contest_staff(decide=True)
def review(contest, access, round_id: int, attempt_id: int):
    _round(contest, round_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(contest, round_id, lambda: results_service.review_entry(
        round_id, attempt_id, form.decision.data, form.note.data or "", utcnow(), current_user), "Đã lưu quyết định.")


@bp.post("/phien-ban/<int:result_id>/duyet")
@contest_staff(decide=True)
def approve(contest, access, result_id: int):
    result = _result(contest, result_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "1":
        flash("Vui lòng đánh dấu ô xác nhận trước khi duyệt kết quả.", "error")
        return _back(contest, result.round_id)
    return _run(contest, result.round_id, lambda: results_service.approve(result_id, utcnow(), current_user),
                "Đã duyệt kết quả. Có thể công bố.")


@bp.post("/phien-ban/<int:result_id>/cong-bo")
@contest_staff(decide=True)
def publish(contest, access, result_id: int):
    result = _result(contest, result_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "1":
        flash("Vui lòng đánh dấu ô xác nhận trước khi công bố kết quả.", "error")
        return _back(contest, result.round_id)
    return _run(contest, result.round_id, lambda: results_service.publish(result_id, utcnow(), current_user,
                                                                          form.reason.data or ""),
                "Đã công bố kết quả. Trang kết quả công khai hiển thị mã SHA-256 của tệp kết quả.")


@bp.get("/dot/<int:round_id>/xuat.<fmt>")
@contest_staff()
def export(contest, access, round_id: int, fmt: str):
    _round(contest, round_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    version = request.args.get("phien-ban", type=int)  # outside the try: an over-large number is a 400
    try:
        data, filename = results_service.export(
            round_id, fmt, public=bool(request.args.get("cong-khai")), version=version,
            scope=access, contacts=request.args.get("lien-he") != "0", actor=current_user, now=utcnow())
    except DomainError as e:
        flash(e.message, "error")
        return _back(contest, round_id)
    return download(data, filename, FILE_TYPES[fmt], private=True)


@bp.route("/giai-thuong", methods=["GET", "POST"])
@contest_staff(decide=True)
def prize_config(contest, access):
    """Prizes per track (individual tiers) and per block of units (collective), for the contest or one round."""
    rnd = _round(contest, request.args.get("dot", type=int)) if request.args.get("dot") else None
    form = ActionForm()
    current = (rnd.prize_config if rnd else contest.prize_config) or {}
    shown = prizes.effective_config(contest.prize_config, current) if rnd else current
    if request.method == "POST" and form.validate_on_submit():
        config, bad = _prize_form(contest)
        if bad:
            flash("Số giải phải là số nguyên từ 0 đến 1000.", "error")
        else:
            try:
                if rnd is not None:
                    results_service.set_round_prize_config(
                        rnd, None if request.form.get("shared") == "1" else config, current_user, utcnow())
                else:
                    results_service.set_prize_config(contest, config, current_user, utcnow())
            except DomainError as e:
                flash(e.message, "error")
            else:
                flash("Đã lưu cơ cấu giải thưởng. Kết quả tính từ nay dùng cơ cấu này.", "success")
                return redirect(url_for("admin_results.prize_config", slug=contest.slug, dot=rnd.id if rnd else None))
    table = {t.code: prizes.individual_counts(shown, t.code).as_dict() for t in contest.tracks}
    return render_template("admin/results/prizes.html", contest=contest, access=access, form=form, rnd=rnd,
                           table=table, collective=prizes.collective_counts(shown).as_dict(), tiers=prizes.PRIZES,
                           own=bool(rnd and rnd.prize_config), ranked=[r for r in contest.rounds if r.is_ranked])


def _prize_form(contest) -> tuple[dict, bool]:
    """The prize grid as typed: {"individual": {track: {tier: n}}, "collective": {tier: n}}; True if a cell is bad."""
    bad = False

    def number(name: str) -> int:
        nonlocal bad
        raw = (request.form.get(name) or "0").strip()
        if not raw.isdigit() or int(raw) > 1000:
            bad = True
            return 0
        return int(raw)

    individual = {t.code: {tier: number(f"ind-{t.code}-{tier}") for tier in prizes.PRIZES} for t in contest.tracks}
    collective = {tier: number(f"col-{tier}") for tier in ("first", "second", "third")}
    return {"individual": individual, "collective": collective}, bad


ITEMS_PER_PAGE = 50


def _any_round(contest, round_id: int):
    """A round of this contest, practice rounds included (their questions are worth reading too)."""
    try:
        return item_stats_service.get_round(contest.id, round_id)
    except DomainError:
        abort(404)


@bp.get("/dot/<int:round_id>/cau-hoi")
@contest_staff(decide=True)
def items(contest, access, round_id: int):
    """How each question of the round worked: facility, discrimination, options chosen, flags (organisers)."""
    rnd = _any_round(contest, round_id)
    flagged_only = request.args.get("canh-bao") == "1"
    found = item_stats_service.for_round(rnd, flagged_only=flagged_only)
    pages = max(1, -(-len(found.rows) // ITEMS_PER_PAGE))
    page = min(max(request.args.get("trang", 1, type=int), 1), pages)
    return render_template("admin/results/items.html", contest=contest, access=access, rnd=rnd, items=found,
                           rows=found.rows[(page - 1) * ITEMS_PER_PAGE:page * ITEMS_PER_PAGE], page=page,
                           pages=pages, first=(page - 1) * ITEMS_PER_PAGE, flagged_only=flagged_only,
                           flag_labels=item_stats.FLAG_LABELS, min_shown=item_stats.MIN_SHOWN)


@bp.get("/dot/<int:round_id>/cau-hoi.<fmt>")
@contest_staff(decide=True)
def items_export(contest, access, round_id: int, fmt: str):
    rnd = _any_round(contest, round_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    data, filename = item_stats_service.export(item_stats_service.for_round(rnd), fmt)
    return download(data, filename, FILE_TYPES[fmt], private=True)
