"""A contest's areas and units: load the province, import lists (upload → check → confirm), enter populations
and staff counts. Moderators see their own unit or area, and change nothing."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from quizapp.admin.guards import contest_staff
from quizapp.domain.errors import DomainError
from quizapp.domain.formats import org_lists
from quizapp.models import utcnow
from quizapp.services import access as access_service
from quizapp.services import areas as area_service
from quizapp.services import units as unit_service
from quizapp.services import uploads
from quizapp.web import XLSX, download

bp = Blueprint("admin_places", __name__, url_prefix="/quan-tri")


class ListUploadForm(FlaskForm):
    file = FileField("Tệp danh sách (.xlsx hoặc .csv)", validators=[FileRequired("Vui lòng chọn tệp.")])
    submit = SubmitField("Kiểm tra tệp")


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Xác nhận nhập")


class SaveForm(FlaskForm):
    submit = SubmitField("Lưu số liệu")


class ProvinceForm(FlaskForm):
    submit = SubmitField("Nạp xã, phường của tỉnh")


def _numbers(prefix: str, ids: list[int]) -> tuple[dict[int, int | None], list[str]]:
    """Numbers typed in a table of inputs named `<prefix><id>`: blanks mean 'not known'."""
    values, bad = {}, []
    for item_id in ids:
        raw = (request.form.get(f"{prefix}{item_id}") or "").strip().replace(".", "").replace(" ", "")
        if raw == "":
            values[item_id] = None
        elif raw.isdigit() and len(raw) <= 9:
            values[item_id] = int(raw)
        else:
            bad.append(raw)
    return values, bad


# ---------------------------------------------------------------- areas


@bp.route("/cuoc-thi/<slug>/dia-ban", methods=["GET", "POST"])
@contest_staff()
def areas(contest, access):
    form = SaveForm()
    rows = area_service.tree(contest, access_service.area_condition(access))
    if request.method == "POST":
        if not access.can_decide:
            abort(403)
        if form.validate_on_submit():
            values, bad = _numbers("pop-", [a.id for a, _ in rows])
            if bad:
                flash(f"Số người phải là số nguyên không âm (đã gặp: {', '.join(bad[:5])}); chưa lưu gì.", "error")
            else:
                changed = area_service.set_populations(contest, values, utcnow(), current_user)
                flash(f"Đã lưu số người của {changed} địa bàn.", "success")
                return redirect(url_for("admin_places.areas", slug=contest.slug))
    return render_template("admin/areas.html", contest=contest, access=access, rows=rows, form=form,
                           province_form=ProvinceForm(), registered=area_service.registered_per_area(contest),
                           levels=org_lists.LEVEL_LABELS, province=area_service.province_name(contest.province_code))


@bp.post("/cuoc-thi/<slug>/dia-ban/nap-tinh")
@contest_staff(decide=True)
def load_province(contest, access):
    if ProvinceForm().validate_on_submit():
        if not contest.province_code:
            flash("Hãy chọn tỉnh, thành phố ở trang Cài đặt trước.", "error")
        else:
            try:
                area_service.reload_province(contest, utcnow(), current_user)
                flash("Đã nạp danh sách xã, phường, đặc khu hiện hành của tỉnh.", "success")
            except DomainError as e:
                flash(e.message, "error")
    return redirect(url_for("admin_places.areas", slug=contest.slug))


@bp.route("/cuoc-thi/<slug>/dia-ban/nhap", methods=["GET", "POST"])
@contest_staff(decide=True)
def import_areas(contest, access):
    return _import_page(contest, access, "areas")


@bp.post("/cuoc-thi/<slug>/dia-ban/nhap/xac-nhan")
@contest_staff(decide=True)
def confirm_areas(contest, access):
    return _confirm(contest, "areas")


@bp.get("/cuoc-thi/<slug>/dia-ban/mau.xlsx")
@contest_staff(decide=True)
def areas_template(contest, access):
    return download(org_lists.areas_template(), "mau-danh-sach-dia-ban.xlsx", XLSX)


# ---------------------------------------------------------------- units


@bp.route("/cuoc-thi/<slug>/don-vi", methods=["GET", "POST"])
@contest_staff()
def units(contest, access):
    form = SaveForm()
    rows = unit_service.listing(contest, access_service.unit_condition(access))
    if request.method == "POST":
        if not access.can_decide:
            abort(403)
        if form.validate_on_submit():
            values, bad = _numbers("staff-", [u.id for u in rows])
            if bad:
                flash(f"Số cán bộ, công chức, viên chức phải là số nguyên không âm (đã gặp: {', '.join(bad[:5])}); "
                      "chưa lưu gì.", "error")
            else:
                changed = unit_service.set_staff_counts(contest, values, utcnow(), current_user)
                flash(f"Đã lưu số cán bộ, công chức, viên chức của {changed} đơn vị.", "success")
                return redirect(url_for("admin_places.units", slug=contest.slug))
    return render_template("admin/units.html", contest=contest, access=access, rows=rows, form=form,
                           kinds=org_lists.KIND_LABELS)


@bp.route("/cuoc-thi/<slug>/don-vi/nhap", methods=["GET", "POST"])
@contest_staff(decide=True)
def import_units(contest, access):
    return _import_page(contest, access, "units")


@bp.post("/cuoc-thi/<slug>/don-vi/nhap/xac-nhan")
@contest_staff(decide=True)
def confirm_units(contest, access):
    return _confirm(contest, "units")


@bp.get("/cuoc-thi/<slug>/don-vi/mau.xlsx")
@contest_staff(decide=True)
def units_template(contest, access):
    return download(org_lists.units_template(), "mau-danh-sach-don-vi.xlsx", XLSX)


# ---------------------------------------------------------------- importing (shared by both lists)

KINDS = {
    "areas": {"run": area_service.import_areas, "title": "Nhập danh sách địa bàn", "back": "admin_places.areas",
              "confirm": "admin_places.confirm_areas", "template": "admin_places.areas_template",
              "headers": org_lists.AREA_HEADERS},
    "units": {"run": unit_service.import_units, "title": "Nhập danh sách đơn vị", "back": "admin_places.units",
              "confirm": "admin_places.confirm_units", "template": "admin_places.units_template",
              "headers": org_lists.UNIT_HEADERS},
}


def _import_page(contest, access, kind: str):
    spec, form = KINDS[kind], ListUploadForm()
    report = confirm = None
    if form.validate_on_submit():
        data, filename = form.file.data.read(), form.file.data.filename or "danh-sach"
        report = spec["run"](contest, data, filename, utcnow(), current_user, dry_run=True)
        if not report.blocked and (report.to_add or report.to_update):
            confirm = ConfirmForm(formdata=None, token=uploads.keep(current_app.instance_path, data, filename))
    return render_template("admin/list_import.html", contest=contest, access=access, form=form, report=report,
                           confirm=confirm, spec=spec, kind=kind)


def _confirm(contest, kind: str):
    spec, form = KINDS[kind], ConfirmForm()
    stored = uploads.fetch(current_app.instance_path, form.token.data) if form.validate_on_submit() else None
    if stored is None:
        flash("Phiên nhập tệp đã hết hạn. Vui lòng tải tệp lên lại.", "error")
        return redirect(url_for(spec["back"].replace("admin_places.", "admin_places.import_"), slug=contest.slug))
    report = spec["run"](contest, stored[0], stored[1], utcnow(), current_user)
    uploads.discard(current_app.instance_path, form.token.data)
    flash(report.summary, "error" if report.blocked else "success")
    return redirect(url_for(spec["back"], slug=contest.slug))
