"""Site admins manage staff accounts and their roles per contest, and hand over one-time password links."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from quizapp.admin.guards import admin_required
from quizapp.domain.errors import DomainError
from quizapp.models import User, utcnow
from quizapp.services import access, areas, contests, mail, staff, units

bp = Blueprint("admin_staff", __name__, url_prefix="/quan-tri/can-bo")


class StaffForm(FlaskForm):
    login = StringField("Tên đăng nhập", validators=[DataRequired("Vui lòng nhập tên đăng nhập."), Length(max=80)])
    full_name = StringField("Họ và tên", validators=[DataRequired("Vui lòng nhập họ và tên."), Length(max=120)])
    email = EmailField("Email (không bắt buộc; nếu máy chủ có cấu hình gửi thư, đường dẫn đặt mật khẩu được gửi tới đây)",
                       validators=[Optional(), Length(max=255)])
    submit = SubmitField("Tạo tài khoản")


class MembershipForm(FlaskForm):
    contest = SelectField("Cuộc thi", coerce=str, validate_choice=False)
    role = SelectField("Vai trò", choices=[(access.ORGANIZER, "Ban Tổ chức (toàn quyền trong cuộc thi)"),
                                           (access.MODERATOR, "Theo dõi một đơn vị hoặc địa bàn (chỉ xem)")])
    unit_code = StringField("Mã đơn vị (với người theo dõi đơn vị)", validators=[Optional(), Length(max=40)])
    area_code = StringField("Mã địa bàn (với người theo dõi địa bàn)", validators=[Optional(), Length(max=16)])
    submit = SubmitField("Phân công")


class ButtonForm(FlaskForm):
    submit = SubmitField("Thực hiện")


def _user(user_id: int) -> User:
    return staff.staff_account(user_id) or abort(404)


def _link(token: str) -> str:
    return url_for("auth.set_password", token=token, _external=True)


def _hand_over(user: User, token: str) -> None:
    """Show the link once; e-mail it too when the server can send mail."""
    link = _link(token)
    sent = mail.send(current_app.config, user.email, "Đặt mật khẩu tài khoản cán bộ cuộc thi",
                     f"Chào {user.full_name},\n\nĐường dẫn đặt mật khẩu (dùng một lần): {link}\n") if user.email else False
    flash(f"Đường dẫn đặt mật khẩu cho {user.username} (dùng một lần, chỉ hiện lần này"
          f"{', đã gửi qua email' if sent else ''}): {link}", "link")


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            user = staff.create_staff(form.login.data, form.full_name.data, current_user, utcnow(), form.email.data or "")
            _hand_over(user, staff.issue_link(user, "staff_setup", current_user, utcnow()))
        except DomainError as e:
            form.login.errors = [*form.login.errors, e.message]
        else:
            return redirect(url_for("admin_staff.detail", user_id=user.id))
    return render_template("admin/staff/index.html", form=form, people=staff.staff_list())


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@admin_required
def detail(user_id: int):
    user = _user(user_id)
    form = MembershipForm()
    form.contest.choices = [(c.slug, c.title) for c in access.contests_for(current_user)]
    if form.validate_on_submit():
        contest = contests.get_contest(form.contest.data) or abort(404)
        unit = units.find(contest, form.unit_code.data.strip()) if form.unit_code.data else None
        area = areas.find(contest, form.area_code.data.strip()) if form.area_code.data else None
        try:
            if form.unit_code.data and unit is None:
                raise DomainError(f"Cuộc thi không có đơn vị mã «{form.unit_code.data}».")
            if form.area_code.data and area is None:
                raise DomainError(f"Cuộc thi không có địa bàn mã «{form.area_code.data}».")
            staff.add_membership(user, contest, form.role.data, current_user, utcnow(), unit=unit, area=area)
            flash("Đã phân công.", "success")
            return redirect(url_for("admin_staff.detail", user_id=user.id))
        except DomainError as e:
            flash(e.message, "error")
    return render_template("admin/staff/detail.html", person=user, form=form, button=ButtonForm(),
                           role_labels=access.ROLE_LABELS)


@bp.post("/<int:user_id>/phan-cong/<int:member_id>/xoa")
@admin_required
def remove(user_id: int, member_id: int):
    _user(user_id)
    if ButtonForm().validate_on_submit():
        try:
            staff.remove_membership(member_id, current_user, utcnow())
            flash("Đã bỏ phân công.", "success")
        except DomainError as e:
            flash(e.message, "error")
    return redirect(url_for("admin_staff.detail", user_id=user_id))


@bp.post("/<int:user_id>/duong-dan")
@admin_required
def new_link(user_id: int):
    user = _user(user_id)
    if ButtonForm().validate_on_submit():
        _hand_over(user, staff.issue_link(user, "staff_setup", current_user, utcnow()))
    return redirect(url_for("admin_staff.detail", user_id=user.id))


@bp.post("/<int:user_id>/khoa")
@admin_required
def lock(user_id: int):
    user = _user(user_id)
    if ButtonForm().validate_on_submit():
        try:
            staff.set_active(user, request.form.get("active") == "1", current_user, utcnow())
            flash("Đã mở khóa tài khoản." if user.is_active_account else "Đã khóa tài khoản.", "success")
        except DomainError as e:
            flash(e.message, "error")
    return redirect(url_for("admin_staff.detail", user_id=user.id))
