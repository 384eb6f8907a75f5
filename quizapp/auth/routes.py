"""Signing in and out."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from quizapp.auth.forms import LoginForm, SetPasswordForm
from quizapp.domain.errors import DomainError
from quizapp.extensions import limiter
from quizapp.models import utcnow
from quizapp.services import accounts, ratelimits, staff

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/dang-nhap", methods=["GET", "POST"])
@limiter.limit(ratelimits.sign_in_limit, methods=["POST"])
@limiter.limit(ratelimits.sign_in_account_limit, key_func=ratelimits.sign_in_name_key, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.identifier.data, form.password.data)
        except DomainError as e:
            form.identifier.errors = [*form.identifier.errors, e.message]
        else:
            login_user(user, remember=form.remember.data)
            staff_home = user.is_staff
            default = url_for("admin.dashboard") if staff_home else url_for("public.home")
            return redirect(_safe_next(request.args.get("next")) or default)
    return render_template("auth/login.html", form=form)


@bp.post("/dang-xuat")
@login_required
def logout():
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("public.home"))


@bp.route("/dat-mat-khau/<token>", methods=["GET", "POST"])
@limiter.limit(ratelimits.sign_in_limit, methods=["POST"])
def set_password(token: str):
    """A one-time link (a new staff member, or a reset an organiser handed over) sets the password."""
    now = utcnow()
    user = staff.token_user(token[:64], now)
    if user is None:
        return render_template("auth/set_password.html", form=None, user=None), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = staff.use_token(token[:64], form.password.data, now)
        except DomainError as e:
            form.password.errors = [*form.password.errors, e.message]
        else:
            logout_user()
            flash("Đã đặt mật khẩu. Hãy đăng nhập bằng mật khẩu mới.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user)
