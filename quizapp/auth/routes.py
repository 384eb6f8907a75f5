"""Signing in and out."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user

from quizapp import ratelimits
from quizapp.auth.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from quizapp.domain.errors import DomainError
from quizapp.extensions import limiter
from quizapp.models import utcnow
from quizapp.safe_input import safe_next
from quizapp.services import accounts, mail, password_reset, staff

bp = Blueprint("auth", __name__)

RESET_NOTICE = ("Mật khẩu của bạn vừa được đặt lại",
                "Xin chào {name},\n\nMật khẩu của bạn vừa được đặt lại lúc {at}. Nếu bạn không làm việc này, hãy "
                "liên hệ ngay Ban Tổ chức cuộc thi.\n")


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
            return redirect(safe_next(request.args.get("next")) or default)
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
    """A one-time link (a new staff member, a reset an organiser handed over, or a self-service reset) sets the
    password; the browser that proved who it is on /quen-mat-khau is signed in, the others go to sign in."""
    now = utcnow()
    row = staff.live_token(token[:64], now)
    if row is None:
        return render_template("auth/set_password.html", form=None, user=None), 410
    user, purpose = row.user, row.purpose
    self_reset = session.get(password_reset.SESSION_KEY) == staff.token_hash(token[:64])
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = staff.use_token(token[:64], form.password.data, now)
        except DomainError as e:
            form.password.errors = [*form.password.errors, e.message]
        else:
            if purpose == "password_reset":
                subject, body = RESET_NOTICE
                mail.send(current_app.config, user.email, subject,
                          body.format(name=user.full_name, at=current_app.jinja_env.filters["local"](now)))
            logout_user()
            session.pop(password_reset.SESSION_KEY, None)
            if self_reset:  # this browser proved who it is a moment ago: sign in straight away
                login_user(user)
                flash("Đã đặt mật khẩu mới. Bạn đã đăng nhập.", "success")
                return redirect(url_for("public.home"))
            flash("Đã đặt mật khẩu. Hãy đăng nhập bằng mật khẩu mới.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user, self_reset=self_reset)


@bp.route("/quen-mat-khau", methods=["GET", "POST"])
@ratelimits.password_reset_limits(methods=["POST"])
def forgot_password():
    """A contestant who forgot their password proves who they are, then sets a new one at once."""
    form = ForgotPasswordForm()
    no_match = None
    if form.is_submitted():
        valid = form.validate()  # every problem at once: the form's, then how CCCD and phone are written
        details = (form.cccd.data or "", form.birth_date.data, form.phone.data or "")
        for p in password_reset.problems(*details):
            field = getattr(form, p.field)
            if not field.errors:
                field.errors = [p.message]
                valid = False
        if valid:
            try:
                _, token = password_reset.start(*details, utcnow(), ip=request.remote_addr or "")
            except password_reset.ResetError as e:
                no_match = e.message
            else:
                session[password_reset.SESSION_KEY] = staff.token_hash(token)
                return redirect(url_for("auth.set_password", token=token))
    return render_template("auth/forgot_password.html", form=form, no_match=no_match,
                           minutes=int(password_reset.LIFETIME.total_seconds() // 60))
