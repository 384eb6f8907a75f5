"""Organisers set up a contest: create it, its settings, tracks and categories, the question sets it draws,
copying it for next year, and its definition file (download, load)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.admin.contest_forms import (
    MAX_CATEGORIES,
    MAX_TRACKS,
    ConfirmLoadForm,
    ContestForm,
    CopyForm,
    LoadForm,
    QuestionSetsForm,
)
from quizapp.admin.guards import contest_staff, staff_required
from quizapp.domain import contest_setup as setup
from quizapp.domain.errors import DomainError
from quizapp.models import Contest, utcnow
from quizapp.services import access as access_service
from quizapp.services import areas, contest_setup, contests, uploads
from quizapp.web import download

bp = Blueprint("admin_contests", __name__, url_prefix="/quan-tri")


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


# ---------------------------------------------------------------- creating and editing


def _choices(form: ContestForm) -> None:
    form.province.choices = [("", "— Chưa chọn —")] + areas.provinces()
    tracks = [(row.form.code.data or setup.slugify(row.form.name.data or ""), row.form.name.data)
              for row in form.tracks if (row.form.name.data or "").strip()]
    for row in form.categories:
        row.form.track.choices = tracks or list(setup.DEFAULT_TRACKS)


def _fill(form: ContestForm, contest: Contest | None) -> None:
    tracks = [(t.code, t.name) for t in contest.tracks] if contest else list(setup.DEFAULT_TRACKS)
    cats = setup.categories(contest.categories if contest else None)
    if contest is not None:
        form.title.data, form.slug.data, form.organizing_body.data = contest.title, contest.slug, contest.organizer_name
        form.province.data, form.group_level.data = contest.province_code, contest.group_level
        form.description.data, form.rules_text.data = contest.description, contest.rules_text
        form.min_rate.data = round(contest.min_participation_rate * 100)
        form.is_published.data = contest.is_published
    else:
        bodies = access_service.organizer_bodies(current_user)
        form.organizing_body.data = bodies[0].name if len(bodies) == 1 and not current_user.is_admin else ""
    for row, (code, name) in zip(form.tracks, tracks + [("", "")] * MAX_TRACKS):
        row.form.code.data, row.form.name.data = code, name
    for row, cat in zip(form.categories, cats + [None] * MAX_CATEGORIES):
        row.form.code.data = cat.code if cat else ""
        row.form.label.data = cat.label if cat else ""
        row.form.track.data = cat.track if cat else ""
        row.form.unit_required.data = cat.unit_required if cat else False


def _settings(form: ContestForm) -> contest_setup.ContestSettings:
    tracks, seen = [], set()
    for row in form.tracks:
        name = (row.form.name.data or "").strip()
        if name:
            code = row.form.code.data or setup.slugify(name, 40) or f"bang-{len(tracks) + 1}"
            while code in seen:
                code += "-2"
            seen.add(code)
            tracks.append((code, name))
    cats, seen = [], set()
    for row in form.categories:
        label = (row.form.label.data or "").strip()
        if label:
            code = row.form.code.data or setup.slugify(label, 24) or f"doi-tuong-{len(cats) + 1}"
            while code in seen:
                code += "-2"
            seen.add(code)
            cats.append(setup.Category(code, label, row.form.track.data or (tracks[0][0] if tracks else ""),
                                       bool(row.form.unit_required.data)))
    return contest_setup.ContestSettings(
        slug=(form.slug.data or "").strip().lower(), title=(form.title.data or "").strip(),
        organizing_body=(form.organizing_body.data or "").strip(), description=form.description.data or "",
        rules_text=form.rules_text.data or "", province_code=form.province.data or "",
        group_level=form.group_level.data, tracks=tracks, categories=cats,
        min_participation_rate=(form.min_rate.data or 0) / 100, is_published=bool(form.is_published.data))


def _form_error(form: ContestForm, e: DomainError) -> None:
    text = e.message
    target = form.slug if "Mã cuộc thi" in text else form.organizing_body if "cơ quan" in text.lower() else \
        form.province if "tỉnh" in text and "Không có tỉnh" in text else None
    if target is not None:
        target.errors = [*target.errors, text]
    else:
        flash(text, "error")


def _may_create() -> None:
    """Admins, and organisers of a body (for that body's next contest); moderators have nothing to create."""
    if not current_user.is_admin and not access_service.organizer_bodies(current_user):
        abort(404)


@bp.route("/cuoc-thi/moi", methods=["GET", "POST"])
@staff_required
def create():
    _may_create()
    form = ContestForm()
    if request.method == "GET":
        _fill(form, None)
    _choices(form)
    if form.validate_on_submit():
        try:
            contest = contest_setup.create_contest(_settings(form), current_user, utcnow())
        except DomainError as e:
            _form_error(form, e)
        else:
            flash("Đã tạo cuộc thi. Tiếp theo: chọn bộ câu hỏi, thêm đợt thi, nhập đơn vị.", "success")
            return redirect(url_for("admin.contest_home", slug=contest.slug))
    return render_template("admin/contest_form.html", form=form, contest=None,
                           bodies=[b.name for b in access_service.organizer_bodies(current_user)])


@bp.route("/cuoc-thi/<slug>/cai-dat", methods=["GET", "POST"])
@contest_staff(decide=True)
def settings(contest, access):
    form = ContestForm()
    if request.method == "GET":
        _fill(form, contest)
    _choices(form)
    if form.validate_on_submit():
        try:
            contest = contest_setup.update_contest(contest, _settings(form), current_user, utcnow())
        except DomainError as e:
            _form_error(form, e)
        else:
            flash("Đã lưu cài đặt cuộc thi.", "success")
            return redirect(url_for("admin_contests.settings", slug=contest.slug))
    return render_template("admin/contest_form.html", form=form, contest=contest, access=access,
                           bodies=[b.name for b in access_service.organizer_bodies(current_user)])


# ---------------------------------------------------------------- question sets


@bp.route("/cuoc-thi/<slug>/bo-cau-hoi", methods=["GET", "POST"])
@contest_staff(decide=True)
def question_sets(contest, access):
    form = QuestionSetsForm()
    choices = contest_setup.topic_choices(contest)
    if form.validate_on_submit():
        uses = {c.topic.id: (request.form.get(f"use-{c.topic.id}") or None) for c in choices}
        try:
            contest_setup.set_question_sets(contest, uses, current_user, utcnow())
        except DomainError as e:
            flash(e.message, "error")
        else:
            flash("Đã lưu bộ câu hỏi của cuộc thi.", "success")
            return redirect(url_for("admin_contests.question_sets", slug=contest.slug))
        choices = contest_setup.topic_choices(contest)
    groups: dict = {}
    for c in choices:
        groups.setdefault(c.collection, []).append(c)
    return render_template("admin/question_sets.html", contest=contest, access=access, form=form, groups=groups,
                           uses=setup.TOPIC_USE_LABELS)


# ---------------------------------------------------------------- copying, the definition file


@bp.route("/cuoc-thi/<slug>/sao-chep", methods=["GET", "POST"])
@contest_staff(decide=True)
def copy(contest, access):
    form = CopyForm()
    if request.method == "GET":
        form.title.data = contest.title
        form.slug.data = f"{contest.slug}-ban-sao"
    if form.validate_on_submit():
        first = form.first_opens.data.replace(tzinfo=_tz()) if form.first_opens.data else None
        try:
            new = contest_setup.copy_contest(contest, (form.slug.data or "").strip().lower(), form.title.data, first,
                                             current_user, utcnow(), _tz())
        except DomainError as e:
            form.slug.errors = [*form.slug.errors, e.message]
        else:
            flash("Đã sao chép. Cuộc thi mới chưa công bố: hãy kiểm tra thời gian các đợt thi rồi công bố.", "success")
            return redirect(url_for("admin.contest_home", slug=new.slug))
    return render_template("admin/contest_copy.html", contest=contest, access=access, form=form)


@bp.get("/cuoc-thi/<slug>/dinh-nghia.yaml")
@contest_staff(decide=True)
def export(contest, access):
    data = contest_setup.export_yaml(contest, _tz()).encode("utf-8")
    return download(data, f"cuoc-thi-{contest.slug}.yaml", "application/x-yaml; charset=utf-8")


@bp.route("/cuoc-thi/nap", methods=["GET", "POST"])
@staff_required
def load():
    _may_create()
    form = LoadForm()
    if not form.validate_on_submit():
        return render_template("admin/contest_load.html", form=form, preview=None, confirm=None)
    data = form.file.data.read()
    preview, error = _preview(data)
    confirm = None
    if error:
        flash(error, "error")
    else:
        confirm = ConfirmLoadForm(formdata=None, token=uploads.keep(current_app.instance_path, data, "dinh-nghia.yaml"))
    return render_template("admin/contest_load.html", form=form, preview=preview, confirm=confirm)


def _preview(data: bytes) -> tuple[setup.ContestDef | None, str]:
    try:
        d = setup.parse_definition(contest_setup.read_yaml(data), _tz())
    except DomainError as e:
        return None, e.message
    existing = contests.get_contest(d.slug)
    if existing is not None and access_service.for_contest(current_user, existing) is None:
        return None, f"Mã cuộc thi «{d.slug}» đã được dùng cho một cuộc thi khác."
    if existing is not None and not access_service.for_contest(current_user, existing).can_decide:
        return None, "Chỉ Ban Tổ chức của cuộc thi này được nạp tệp định nghĩa."
    return d, ""


@bp.post("/cuoc-thi/nap/xac-nhan")
@staff_required
def confirm_load():
    _may_create()
    form = ConfirmLoadForm()
    stored = uploads.fetch(current_app.instance_path, form.token.data) if form.validate_on_submit() else None
    if stored is None:
        flash("Phiên nạp tệp đã hết hạn. Vui lòng tải tệp lên lại.", "error")
        return redirect(url_for("admin_contests.load"))
    preview, error = _preview(stored[0])
    if error:
        flash(error, "error")
        return redirect(url_for("admin_contests.load"))
    try:
        report = contest_setup.load_definition(preview, current_user, utcnow())
    except DomainError as e:
        flash(e.message, "error")
        return redirect(url_for("admin_contests.load"))
    uploads.discard(current_app.instance_path, form.token.data)
    flash(report.summary, "success")
    return redirect(url_for("admin.contest_home", slug=report.contest.slug))

