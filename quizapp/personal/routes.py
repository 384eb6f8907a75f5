"""The person's own data: see it, download it (JSON, xlsx), correct it, withdraw consent. Never cached."""
from __future__ import annotations

import json
from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from quizapp.domain.errors import DomainError
from quizapp.models import utcnow
from quizapp.personal.forms import ContactForm, CorrectionForm, DeletionForm
from quizapp.services import personal_data
from quizapp.web import XLSX, download

bp = Blueprint("personal", __name__)
BASE = "/ca-nhan/du-lieu"


@bp.app_template_filter("iso_local")
def iso_local(value: str | None) -> str:
    """An ISO time of the export (already in Vietnam's time) as the pages write it; a date as dd/mm/yyyy."""
    if not value:
        return ""
    if "T" not in value:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return datetime.fromisoformat(value).strftime("%H:%M %d/%m/%Y")


@bp.after_request
def _private(resp):
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _page(contact=None, correction=None, deletion=None, status=200):
    user = current_user
    if contact is None:
        contact = ContactForm(formdata=None, email=user.email, phone=user.phone)
    return render_template(
        "personal/data.html", data=personal_data.export(user.id, utcnow()), contact_form=contact,
        correction_form=correction or CorrectionForm(formdata=None), deletion_form=deletion or DeletionForm(formdata=None),
        deletion=personal_data.deletion_request(user.id)), status


@bp.get(BASE)
@login_required
def my_data():
    return _page()


@bp.get(BASE + ".json")
@login_required
def download_json():
    data = json.dumps(personal_data.export(current_user.id, utcnow()), ensure_ascii=False, indent=2).encode()
    return download(data, "du-lieu-ca-nhan.json", "application/json; charset=utf-8", private=True)


@bp.get(BASE + ".xlsx")
@login_required
def download_xlsx():
    data = personal_data.to_xlsx(personal_data.export(current_user.id, utcnow()))
    return download(data, "du-lieu-ca-nhan.xlsx", XLSX, private=True)


def _show(form, error) -> None:
    target = getattr(form, getattr(error, "field", "") or "", None)
    if target is not None and not getattr(target, "type", "").endswith("SubmitField"):
        target.errors = [*target.errors, error.message]
    else:
        flash(error.message, "error")


@bp.post(BASE + "/lien-he")
@login_required
def update_contact():
    form = ContactForm()
    if not form.validate_on_submit():
        return _page(contact=form, status=422)
    try:
        personal_data.update_contact(current_user.id, form.email.data or "", form.phone.data, utcnow())
    except DomainError as e:
        _show(form, e)
        return _page(contact=form, status=422)
    flash("Đã lưu email và số điện thoại. Từ nay bạn đăng nhập bằng số điện thoại mới hoặc số CCCD.", "success")
    return redirect(url_for("personal.my_data"))


@bp.post(BASE + "/de-nghi-sua")
@login_required
def request_correction():
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            personal_data.request_correction(current_user.id, form.fields.data or [], form.message.data, utcnow())
        except DomainError as e:
            _show(form, e)
        else:
            flash("Đã gửi đề nghị sửa thông tin. Ban Tổ chức sẽ kiểm tra và sửa; kết quả hiện ở mục «Yêu cầu của bạn».",
                  "success")
            return redirect(url_for("personal.my_data", _anchor="yeu-cau"))
    return _page(correction=form, status=422)


@bp.post(BASE + "/rut-dong-y")
@login_required
def request_deletion():
    form = DeletionForm()
    if form.validate_on_submit():
        try:
            personal_data.request_deletion(current_user.id, bool(form.confirm.data), utcnow())
        except DomainError as e:
            _show(form, e)
        else:
            flash("Đã ghi nhận: bạn rút lại sự đồng ý và đề nghị xóa dữ liệu. Bạn không thể bắt đầu lượt thi mới.",
                  "success")
            return redirect(url_for("personal.my_data", _anchor="rut-dong-y"))
    return _page(deletion=form, status=422)
