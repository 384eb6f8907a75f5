"""Organisers' review pages: likely duplicates, flags, one entry's file, the audit log, importing contestants.

Moderators see only the entries of their unit or area, and decide nothing. CCCD and phone are shown masked
to everyone but admins.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.admin.guards import contest_staff
from quizapp.admin.review_forms import (
    ConfirmContestantImportForm,
    ContestantImportForm,
    DuplicateActionForm,
    FlagActionForm,
    IdentityForm,
    ReasonForm,
    ScanForm,
)
from quizapp.domain.errors import DomainError
from quizapp.domain.formats import roster
from quizapp.domain.identity import mask_digits
from quizapp.domain.review import SCAN_FLAG_LABELS
from quizapp.models import Contest, Registration, utcnow
from quizapp.services import audit, contestants, integrity, uploads
from quizapp.web import XLSX, download

bp = Blueprint("review", __name__, url_prefix="/quan-tri/cuoc-thi/<slug>/kiem-tra")

DUPLICATE_ACTIONS = ("merge_a", "merge_b", "disqualify_a", "disqualify_b", "disqualify_both", "clear")


@bp.context_processor
def _privacy_helpers():
    grant = g.get("access")
    is_admin = bool(grant and grant.sees_personal_data)

    def private(value):
        """CCCD and phone: in full for admins, masked for everyone else."""
        return (value if is_admin else mask_digits(value)) if value else ""

    def born(value):
        """Birth date: in full for admins, the year for everyone else."""
        return "" if not value else value.strftime("%d/%m/%Y") if is_admin else f"**/**/{value.year}"

    def logged(key: str, value) -> str:
        """A value of an audit row, hidden as the review pages hide it (rows written before the log kept the
        birth year only may still hold a full date)."""
        if value is None or value == "":
            return "—"
        if key == "birth_date" and isinstance(value, str):
            try:
                return born(date.fromisoformat(value))
            except ValueError:
                return value  # already "**/**/1990"
        if key in audit.MASKED and isinstance(value, str):
            return private(value)
        if key == "fields" and isinstance(value, list):  # which fields a request is about
            return ", ".join(audit.FIELD_LABELS.get(f, f) for f in value)
        return value

    return {"private": private, "born": born, "logged": logged, "field_labels": audit.FIELD_LABELS,
            "flag_labels": SCAN_FLAG_LABELS,
            "dup_status_labels": integrity.DUPLICATE_STATUS_LABELS, "flag_status_labels": integrity.FLAG_STATUS_LABELS,
            "action_labels": audit.ACTION_LABELS, "can_decide": bool(grant and grant.can_decide)}


def _entry(contest: Contest, registration_id: int) -> Registration:
    reg = integrity.visible_registration(g.access, registration_id)
    if reg is None or reg.contest_id != contest.id:
        abort(404)
    return reg


def _flash_error(e: DomainError) -> None:
    flash(e.message, "error")


# ---------------------------------------------------------------- overview


@bp.get("/")
@contest_staff()
def contest_home(contest, access):
    return render_template("admin/review/contest.html", contest=contest, access=access,
                           counts=integrity.counts(contest, access), scan_form=ScanForm())


@bp.post("/quet")
@contest_staff(decide=True)
def scan(contest, access):
    if ScanForm().validate_on_submit():
        flash(integrity.scan(contest, utcnow()).summary, "success")
    return redirect(url_for("review.contest_home", slug=contest.slug))


# ---------------------------------------------------------------- likely duplicates


@bp.get("/trung-nguoi")
@contest_staff()
def duplicates(contest, access):
    status = request.args.get("status", "open")
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = integrity.duplicate_queue(contest, access, status if status in integrity.DUPLICATE_STATUS_LABELS
                                            else "", page)
    return render_template("admin/review/duplicates.html", contest=contest, access=access, rows=rows, total=total,
                           page=page, status=status, form=DuplicateActionForm())


@bp.post("/trung-nguoi/<int:candidate_id>")
@contest_staff(decide=True)
def duplicate_action(contest, access, candidate_id: int):
    form = DuplicateActionForm()
    if not form.validate_on_submit() or form.action.data not in DUPLICATE_ACTIONS:
        abort(400)
    cand = integrity.candidate_in(contest.id, candidate_id) or abort(404)
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
    return redirect(url_for("review.duplicates", slug=contest.slug))


# ---------------------------------------------------------------- flags


@bp.get("/canh-bao")
@contest_staff()
def flags(contest, access):
    status, kind = request.args.get("status", "open"), request.args.get("kind", "")
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = integrity.flag_list(contest, access, status if status in integrity.FLAG_STATUS_LABELS else "",
                                      kind if kind in SCAN_FLAG_LABELS else "", page)
    return render_template("admin/review/flags.html", contest=contest, access=access, rows=rows, total=total,
                           page=page, status=status, kind=kind, form=FlagActionForm())


@bp.post("/canh-bao/<int:flag_id>")
@contest_staff(decide=True)
def flag_action(contest, access, flag_id: int):
    form = FlagActionForm()
    if not form.validate_on_submit():
        abort(400)
    integrity.flag_in(contest.id, flag_id) or abort(404)
    try:
        integrity.resolve_flag(flag_id, form.decision.data, current_user, utcnow(), (form.note.data or "").strip())
        flash("Đã ghi nhận quyết định về cảnh báo.", "success")
    except DomainError as e:
        _flash_error(e)
    return redirect(url_for("review.flags", slug=contest.slug))


# ---------------------------------------------------------------- one entry


@bp.get("/bai-du-thi/<int:registration_id>")
@contest_staff()
def entry(contest, access, registration_id: int):
    from quizapp.admin.people import ResetForm

    reg = _entry(contest, registration_id)
    log = audit.entries(contest_id=contest.id, registration_id=reg.id, per_page=100)[0] if access.can_decide else []
    return render_template("admin/review/entry.html", contest=contest, access=access, reg=reg,
                           attempts=integrity.entry_attempts(reg.id), flags=integrity.flags_of(reg.id), log=log,
                           reason_form=ReasonForm(), reset_form=ResetForm())


@bp.post("/bai-du-thi/<int:registration_id>/loai")
@contest_staff(decide=True)
def disqualify(contest, access, registration_id: int):
    return _decide(contest, registration_id, integrity.disqualify, "Đã loại bài dự thi khỏi cuộc thi.")


@bp.post("/bai-du-thi/<int:registration_id>/khoi-phuc")
@contest_staff(decide=True)
def restore(contest, access, registration_id: int):
    return _decide(contest, registration_id, integrity.restore, "Đã khôi phục quyền dự thi.")


def _decide(contest: Contest, registration_id: int, action, done: str):
    reg = _entry(contest, registration_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Vui lòng ghi lý do.", "error")
    else:
        try:
            action(reg.id, current_user, utcnow(), form.reason.data)
            flash(done, "success")
        except DomainError as e:
            _flash_error(e)
    return redirect(url_for("review.entry", slug=contest.slug, registration_id=registration_id))


@bp.route("/bai-du-thi/<int:registration_id>/thong-tin", methods=["GET", "POST"])
@contest_staff(decide=True)
def edit_identity(contest, access, registration_id: int):
    reg = _entry(contest, registration_id)
    user, is_admin = reg.user, access.sees_personal_data
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
            return redirect(url_for("review.entry", slug=contest.slug, registration_id=reg.id))
    return render_template("admin/review/identity.html", contest=contest, access=access, reg=reg, form=form,
                           is_admin=is_admin)


# ---------------------------------------------------------------- audit log


@bp.get("/nhat-ky")
@contest_staff(decide=True)
def audit_log(contest, access):
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = audit.entries(contest_id=contest.id, page=page)
    return render_template("admin/review/audit.html", contest=contest, access=access, rows=rows, total=total, page=page)


# ---------------------------------------------------------------- importing contestants


@bp.route("/nhap-thi-sinh", methods=["GET", "POST"])
@contest_staff(decide=True)
def import_contestants(contest, access):
    form = ContestantImportForm()
    if not form.validate_on_submit():
        return render_template("admin/review/import.html", contest=contest, access=access, form=form, report=None,
                               confirm=None)
    upload = form.file.data
    data, filename = upload.read(), upload.filename or "danh-sach"
    report = contestants.import_contestants(contest, data, filename, utcnow(), current_user, dry_run=True)
    confirm = None
    if not report.blocked and (report.count("new") or report.count("existing")):
        confirm = ConfirmContestantImportForm(formdata=None, token=uploads.keep(current_app.instance_path, data, filename))
    return render_template("admin/review/import.html", contest=contest, access=access, form=form, report=report,
                           confirm=confirm)


@bp.post("/nhap-thi-sinh/xac-nhan")
@contest_staff(decide=True)
def confirm_import(contest, access):
    form = ConfirmContestantImportForm()
    stored = uploads.fetch(current_app.instance_path, form.token.data) if form.validate_on_submit() else None
    if stored is None:
        flash("Phiên nhập tệp đã hết hạn. Vui lòng tải tệp lên lại.", "error")
        return redirect(url_for("review.import_contestants", slug=contest.slug))
    data, filename = stored
    report = contestants.import_contestants(contest, data, filename, utcnow(), current_user)
    uploads.discard(current_app.instance_path, form.token.data)
    if report.blocked:
        return render_template("admin/review/import.html", contest=contest, access=access,
                               form=ContestantImportForm(formdata=None), report=report, confirm=None)
    flash(report.summary, "success")
    return redirect(url_for("review.contest_home", slug=contest.slug))


@bp.get("/nhap-thi-sinh/mau.xlsx")
@contest_staff(decide=True)
def import_template(contest, access):
    return download(roster.template_xlsx(), "mau-danh-sach-nguoi-du-thi.xlsx", XLSX)
