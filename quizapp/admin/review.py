"""Organisers' review pages: likely duplicates, flags, one entry's file, the audit log, importing contestants.

Moderators see only the entries of their unit or area, and decide nothing. CCCD and phone are shown masked
to everyone but admins.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.admin.review_forms import (ConfirmContestantImportForm, ContestantImportForm, DuplicateActionForm,
                                        FlagActionForm, IdentityForm, ReasonForm, ScanForm)
from quizapp.auth.decorators import roles_required
from quizapp.domain.errors import DomainError
from quizapp.domain.formats import roster
from quizapp.domain.identity import mask_digits
from quizapp.extensions import db
from quizapp.models import Contest, DuplicateCandidate, Registration, ReviewFlag, utcnow
from quizapp.services import audit, contestants, contests, integrity, uploads

bp = Blueprint("review", __name__, url_prefix="/quan-tri/kiem-tra")

DUPLICATE_ACTIONS = ("merge_a", "merge_b", "disqualify_a", "disqualify_b", "disqualify_both", "clear")


@bp.context_processor
def _privacy_helpers():
    is_admin = current_user.is_authenticated and current_user.has_role("admin")

    def private(value):
        """CCCD and phone: in full for admins, masked for everyone else."""
        return (value if is_admin else mask_digits(value)) if value else ""

    def born(value):
        """Birth date: in full for admins, the year for everyone else."""
        return "" if not value else value.strftime("%d/%m/%Y") if is_admin else f"**/**/{value.year}"

    return {"private": private, "born": born, "flag_labels": integrity.FLAG_LABELS,
            "dup_status_labels": integrity.DUPLICATE_STATUS_LABELS, "flag_status_labels": integrity.FLAG_STATUS_LABELS,
            "action_labels": audit.ACTION_LABELS, "can_decide": current_user.is_authenticated
            and current_user.role in integrity.DECIDERS}


def _contest(slug: str) -> Contest:
    return contests.get_contest(slug) or abort(404)


def _entry(contest: Contest, registration_id: int) -> Registration:
    reg = integrity.visible_registration(current_user, registration_id)
    if reg is None or reg.contest_id != contest.id:
        abort(404)
    return reg


def _flash_error(e: DomainError) -> None:
    flash(e.message, "error")


# ---------------------------------------------------------------- overview


@bp.get("/")
@roles_required("organizer", "moderator")
def index():
    return render_template("admin/review/index.html", rows=integrity.contests_overview(current_user))


@bp.get("/<slug>")
@roles_required("organizer", "moderator")
def contest_home(slug: str):
    contest = _contest(slug)
    return render_template("admin/review/contest.html", contest=contest, counts=integrity.counts(contest, current_user),
                           scan_form=ScanForm())


@bp.post("/<slug>/quet")
@roles_required("organizer")
def scan(slug: str):
    contest = _contest(slug)
    if ScanForm().validate_on_submit():
        flash(integrity.scan(contest, utcnow()).summary, "success")
    return redirect(url_for("review.contest_home", slug=slug))


# ---------------------------------------------------------------- likely duplicates


@bp.get("/<slug>/trung-nguoi")
@roles_required("organizer", "moderator")
def duplicates(slug: str):
    contest = _contest(slug)
    status = request.args.get("status", "open")
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = integrity.duplicate_queue(contest, current_user, status if status in integrity.DUPLICATE_STATUS_LABELS
                                            else "", page)
    return render_template("admin/review/duplicates.html", contest=contest, rows=rows, total=total, page=page,
                           status=status, form=DuplicateActionForm())


@bp.post("/<slug>/trung-nguoi/<int:candidate_id>")
@roles_required("organizer")
def duplicate_action(slug: str, candidate_id: int):
    contest = _contest(slug)
    form = DuplicateActionForm()
    if not form.validate_on_submit() or form.action.data not in DUPLICATE_ACTIONS:
        abort(400)
    cand = db.session.get(DuplicateCandidate, candidate_id)
    if cand is None or cand.contest_id != contest.id:
        abort(404)
    action, note, now = form.action.data, (form.note.data or "").strip(), utcnow()
    pair = {"a": cand.registration_a_id, "b": cand.registration_b_id}
    try:
        if action.startswith("merge_"):
            integrity.merge(cand.id, pair[action[-1]], current_user, now, note)
            flash("Đã gộp: giữ một bài dự thi, bài còn lại bị loại với lý do «trùng người».", "success")
        elif action.startswith("disqualify_"):
            chosen = list(pair.values()) if action.endswith("both") else [pair[action[-1]]]
            integrity.disqualify_pair(cand.id, chosen, current_user, now, note)
            flash("Đã loại bài dự thi đã chọn.", "success")
        else:
            integrity.clear_duplicate(cand.id, current_user, now, note)
            flash("Đã ghi nhận: không phải trùng người.", "success")
    except DomainError as e:
        _flash_error(e)
    return redirect(request.referrer or url_for("review.duplicates", slug=slug))


# ---------------------------------------------------------------- flags


@bp.get("/<slug>/canh-bao")
@roles_required("organizer", "moderator")
def flags(slug: str):
    contest = _contest(slug)
    status, kind = request.args.get("status", "open"), request.args.get("kind", "")
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = integrity.flag_list(contest, current_user, status if status in integrity.FLAG_STATUS_LABELS else "",
                                      kind if kind in integrity.FLAG_LABELS else "", page)
    return render_template("admin/review/flags.html", contest=contest, rows=rows, total=total, page=page,
                           status=status, kind=kind, form=FlagActionForm())


@bp.post("/<slug>/canh-bao/<int:flag_id>")
@roles_required("organizer")
def flag_action(slug: str, flag_id: int):
    contest = _contest(slug)
    form = FlagActionForm()
    if not form.validate_on_submit():
        abort(400)
    flag = db.session.get(ReviewFlag, flag_id)
    if flag is None or flag.contest_id != contest.id:
        abort(404)
    try:
        integrity.resolve_flag(flag_id, form.decision.data, current_user, utcnow(), (form.note.data or "").strip())
        flash("Đã ghi nhận quyết định về cảnh báo.", "success")
    except DomainError as e:
        _flash_error(e)
    return redirect(request.referrer or url_for("review.flags", slug=slug))


# ---------------------------------------------------------------- one entry


@bp.get("/<slug>/bai-du-thi/<int:registration_id>")
@roles_required("organizer", "moderator")
def entry(slug: str, registration_id: int):
    contest = _contest(slug)
    reg = _entry(contest, registration_id)
    log = audit.entries(registration_id=reg.id, per_page=100)[0] if current_user.role in integrity.DECIDERS else []
    return render_template("admin/review/entry.html", contest=contest, reg=reg, attempts=integrity.entry_attempts(reg.id),
                           flags=integrity.flags_of(reg.id), log=log, reason_form=ReasonForm())


@bp.post("/<slug>/bai-du-thi/<int:registration_id>/loai")
@roles_required("organizer")
def disqualify(slug: str, registration_id: int):
    return _decide(slug, registration_id, integrity.disqualify, "Đã loại bài dự thi khỏi cuộc thi.")


@bp.post("/<slug>/bai-du-thi/<int:registration_id>/khoi-phuc")
@roles_required("organizer")
def restore(slug: str, registration_id: int):
    return _decide(slug, registration_id, integrity.restore, "Đã khôi phục quyền dự thi.")


def _decide(slug: str, registration_id: int, action, done: str):
    reg = _entry(_contest(slug), registration_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Vui lòng ghi lý do.", "error")
    else:
        try:
            action(reg.id, current_user, utcnow(), form.reason.data)
            flash(done, "success")
        except DomainError as e:
            _flash_error(e)
    return redirect(url_for("review.entry", slug=slug, registration_id=registration_id))


@bp.route("/<slug>/bai-du-thi/<int:registration_id>/thong-tin", methods=["GET", "POST"])
@roles_required("organizer")
def edit_identity(slug: str, registration_id: int):
    contest = _contest(slug)
    reg = _entry(contest, registration_id)
    user, is_admin = reg.user, current_user.has_role("admin")
    form = IdentityForm()
    if request.method == "GET":
        form.full_name.data, form.birth_date.data, form.gender.data = user.full_name, user.birth_date, user.gender
        form.email.data = user.email
        if is_admin:  # others leave CCCD and phone empty to keep them: they never see them in full
            form.cccd.data, form.phone.data = user.cccd, user.phone
    elif form.validate_on_submit():
        change = contestants.IdentityChange(form.full_name.data, form.birth_date.data, form.gender.data,
                                            form.cccd.data or user.cccd or "", form.phone.data or user.phone or "",
                                            form.email.data or "")
        try:
            contestants.update_identity(reg.id, change, current_user, utcnow(), form.reason.data)
        except DomainError as e:
            getattr(form, getattr(e, "field", "") or "full_name", form.full_name).errors.append(e.message)
        else:
            flash("Đã lưu thông tin; thay đổi được ghi vào nhật ký.", "success")
            return redirect(url_for("review.entry", slug=slug, registration_id=reg.id))
    return render_template("admin/review/identity.html", contest=contest, reg=reg, form=form, is_admin=is_admin)


# ---------------------------------------------------------------- audit log


@bp.get("/<slug>/nhat-ky")
@roles_required("organizer")
def audit_log(slug: str):
    contest = _contest(slug)
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = audit.entries(contest_id=contest.id, page=page)
    return render_template("admin/review/audit.html", contest=contest, rows=rows, total=total, page=page)


# ---------------------------------------------------------------- importing contestants


@bp.route("/<slug>/nhap-thi-sinh", methods=["GET", "POST"])
@roles_required("organizer")
def import_contestants(slug: str):
    contest = _contest(slug)
    form = ContestantImportForm()
    if not form.validate_on_submit():
        return render_template("admin/review/import.html", contest=contest, form=form, report=None, confirm=None)
    upload = form.file.data
    data, filename = upload.read(), upload.filename or "danh-sach"
    report = contestants.import_contestants(contest, data, filename, utcnow(), current_user, dry_run=True)
    confirm = None
    if not report.blocked and (report.count("new") or report.count("existing")):
        confirm = ConfirmContestantImportForm(formdata=None, token=uploads.keep(current_app.instance_path, data, filename))
    return render_template("admin/review/import.html", contest=contest, form=form, report=report, confirm=confirm)


@bp.post("/<slug>/nhap-thi-sinh/xac-nhan")
@roles_required("organizer")
def confirm_import(slug: str):
    contest = _contest(slug)
    form = ConfirmContestantImportForm()
    stored = uploads.fetch(current_app.instance_path, form.token.data) if form.validate_on_submit() else None
    if stored is None:
        flash("Phiên nhập tệp đã hết hạn. Vui lòng tải tệp lên lại.", "error")
        return redirect(url_for("review.import_contestants", slug=slug))
    data, filename = stored
    report = contestants.import_contestants(contest, data, filename, utcnow(), current_user)
    uploads.discard(current_app.instance_path, form.token.data)
    if report.blocked:
        return render_template("admin/review/import.html", contest=contest, form=ContestantImportForm(formdata=None),
                               report=report, confirm=None)
    flash(report.summary, "success")
    return redirect(url_for("review.contest_home", slug=slug))


@bp.get("/<slug>/nhap-thi-sinh/mau.xlsx")
@roles_required("organizer")
def import_template(slug: str):
    _contest(slug)
    return Response(roster.template_xlsx(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="mau-danh-sach-nguoi-du-thi.xlsx"'})
