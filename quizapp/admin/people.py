"""The organisers' help desk: find a contestant by name, phone or CCCD; their entries and attempts; a one-time
link to reset their password; contestants' requests about their personal data (corrections, deletion)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SubmitField

from quizapp.admin.guards import contest_staff
from quizapp.domain.errors import DomainError
from quizapp.domain.identity import mask_digits
from quizapp.models import utcnow
from quizapp.services import integrity, personal_data, staff

bp = Blueprint("admin_people", __name__, url_prefix="/quan-tri")


class ResetForm(FlaskForm):
    submit = SubmitField("Tạo đường dẫn đặt lại mật khẩu")


class ResolveForm(FlaskForm):
    submit = SubmitField("Đã sửa xong")


@bp.get("/cuoc-thi/<slug>/tra-cuu")
@contest_staff()
def search(contest, access):
    query = (request.args.get("q") or "")[:100]
    found = staff.find_contestants(query, access) if query else []
    shown = (lambda v: v or "") if access.sees_personal_data else (lambda v: mask_digits(v) if v else "")
    return render_template("admin/people.html", contest=contest, access=access, query=query, found=found,
                           shown=shown, reset_form=ResetForm(), requests=personal_data.open_requests(access),
                           resolve_form=ResolveForm())


@bp.post("/cuoc-thi/<slug>/tra-cuu/yeu-cau/<int:request_id>/da-xu-ly")
@contest_staff(decide=True)
def resolve_request(contest, access, request_id: int):
    """The organiser applied a correction on the identity page and says so: the person sees it done."""
    if ResolveForm().validate_on_submit():
        try:
            personal_data.resolve_correction(request_id, access, current_user, utcnow())
        except DomainError as e:
            flash(e.message, "error")
        else:
            flash("Đã đánh dấu đề nghị là đã xử lý; người dự thi sẽ thấy trên trang dữ liệu cá nhân.", "success")
    return redirect(url_for("admin_people.search", slug=contest.slug, _anchor="yeu-cau"))


@bp.post("/cuoc-thi/<slug>/tra-cuu/<int:registration_id>/dat-lai-mat-khau")
@contest_staff(decide=True)
def reset_password(contest, access, registration_id: int):
    reg = integrity.visible_registration(access, registration_id) or abort(404)
    if ResetForm().validate_on_submit():
        try:
            token = staff.reset_link_for(reg, access, current_user, utcnow())
        except DomainError as e:
            flash(e.message, "error")
        else:
            link = url_for("auth.set_password", token=token, _external=True)
            flash(f"Đường dẫn đặt lại mật khẩu cho {reg.user.full_name} (dùng một lần trong 2 ngày, chỉ hiện lần này; "
                  f"hãy gửi cho chính người đó qua tin nhắn hoặc Zalo): {link}", "link")
    return redirect(url_for("review.entry", slug=contest.slug, registration_id=reg.id))
