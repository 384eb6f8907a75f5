"""The contestant's pages: register, the contest overview, the attempt page, the result page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from quizapp.contest.forms import JoinForm, RegistrationForm
from quizapp.domain.errors import DomainError
from quizapp.domain.timing import round_state
from quizapp.extensions import limiter
from quizapp.models import utcnow
from quizapp.ratelimits import account_key, register_limit
from quizapp.safe_input import bounded_int
from quizapp.services import attempts, certificates, contests, leaderboard, registration, results
from quizapp.web import download, visible_contest

bp = Blueprint("contest", __name__)


def _contest_or_404(slug: str):
    return visible_contest(slug)


@bp.route("/cuoc-thi/<slug>/dang-ky", methods=["GET", "POST"])
@limiter.limit(register_limit, methods=["POST"])
def register(slug: str):
    contest = _contest_or_404(slug)
    if current_user.is_authenticated:
        return _join(contest)
    form = RegistrationForm()
    _place_choices(form, contest)
    if form.is_submitted():
        # Every problem at once: the form's own checks, then the service's for the fields that passed them.
        valid = form.validate()
        data = _registration_data(form)
        found = registration.problems(contest, data, utcnow())
        _show_problems(form, found, form.full_name)
        if valid and not found:
            try:
                reg = registration.register(contest, data, utcnow(), ip=request.remote_addr or "",
                                            device_id=request.cookies.get("qz_device", ""))
            except registration.RegistrationError as e:
                _show_problems(form, e.problems, form.full_name)
            else:
                login_user(reg.user)
                flash("Đăng ký thành công. Chúc bạn thi tốt!", "success")
                return redirect(url_for("contest.overview", slug=slug))
    return render_template("contest/register.html", form=form, contest=contest)


def _show_problems(form, problems, default_field) -> None:
    """Put each problem under its field, unless the form already said something about that field."""
    for p in problems:
        f = getattr(form, p.field, None) or default_field
        if not isinstance(f.errors, list):
            f.errors = list(f.errors)
        if not f.errors:
            f.errors.append(p.message)


def _place_choices(form, contest) -> None:
    form.category.choices = [(c.code, c.label) for c in registration.contest_categories(contest)]
    form.area_id.choices = [(0, "— Chọn xã, phường —")] + [(a.id, a.name) for a in registration.selectable_areas(contest)]
    form.unit_id.choices = [(0, "Người dân (không thuộc đơn vị nào)")] + [
        (u.id, u.name) for u in registration.selectable_units(contest)]


def _join(contest):
    """A signed-in person enters this contest with the account they have."""
    if registration.registration_for(current_user.id, contest.id):
        return redirect(url_for("contest.overview", slug=contest.slug))
    form = JoinForm()
    _place_choices(form, contest)
    if form.validate_on_submit():
        data = registration.RegistrationData(
            full_name="", birth_date=None, gender="", cccd="", phone="", email="", area_id=form.area_id.data or None,
            unit_id=form.unit_id.data or None, category=form.category.data, password="", consent=form.consent.data)
        try:
            registration.join(contest, current_user, data, utcnow(), ip=request.remote_addr or "",
                              device_id=request.cookies.get("qz_device", ""))
        except registration.RegistrationError as e:
            _show_problems(form, e.problems, form.category)
        else:
            flash("Bạn đã tham gia cuộc thi. Chúc bạn thi tốt!", "success")
            return redirect(url_for("contest.overview", slug=contest.slug))
    return render_template("contest/join.html", form=form, contest=contest)


def _registration_data(form: RegistrationForm) -> registration.RegistrationData:
    return registration.RegistrationData(
        full_name=form.full_name.data, birth_date=form.birth_date.data, gender=form.gender.data,
        cccd=form.cccd.data, phone=form.phone.data, email=form.email.data or "", area_id=form.area_id.data or None,
        unit_id=form.unit_id.data or None, category=form.category.data, password=form.password.data,
        consent=form.consent.data)


@bp.get("/cuoc-thi/<slug>/thi")
@login_required
def overview(slug: str):
    contest = _contest_or_404(slug)
    reg = registration.registration_for(current_user.id, contest.id)
    now = utcnow()
    views = contests.round_views(contest, now)
    standings = {v.round.id: attempts.standing(reg, v.round) for v in views} if reg else {}
    return render_template("contest/overview.html", contest=contest, reg=reg, rounds=contests.for_contestant(views),
                           standings=standings, now=now)


@bp.post("/cuoc-thi/<slug>/dot/<int:round_id>/bat-dau")
@login_required
@limiter.limit("30 per minute", key_func=account_key)
def start(slug: str, round_id: int):
    contest = _contest_or_404(slug)
    reg = registration.registration_for(current_user.id, contest.id) or abort(403)
    try:
        attempt = attempts.start_attempt(reg.id, round_id, utcnow(), device_token=request.cookies.get("qz_device", ""),
                                         client_ip=request.remote_addr or "")
    except DomainError as e:
        flash(e.message, "error")
        return redirect(url_for("contest.overview", slug=slug))
    return redirect(url_for("contest.attempt_page", attempt_id=attempt.id))


@bp.get("/bai-thi/<int:attempt_id>")
@login_required
def attempt_page(attempt_id: int):
    now = utcnow()
    attempt = attempts.open_attempt(attempt_id, current_user.id, now, request.cookies.get("qz_device", ""))
    if attempt.status != attempts.IN_PROGRESS:
        return redirect(url_for("contest.result", attempt_id=attempt.id))
    return render_template("contest/attempt.html", view=attempts.view_attempt(attempt, now), now=now)


@bp.post("/bai-thi/<int:attempt_id>")
@login_required
@limiter.limit("60 per minute", key_func=account_key)
def attempt_form(attempt_id: int):
    """The plain-form path (no JavaScript): save every chosen answer, then submit if asked."""
    now = utcnow()
    attempt = attempts.get_attempt(attempt_id, current_user.id, now)
    device = request.cookies.get("qz_device", "")
    errors = []
    for key, value in request.form.items():
        if key.startswith("q") and key[1:].isdecimal() and value.isdecimal():
            try:
                attempts.save_answer(attempt.id, current_user.id, bounded_int(key[1:], "câu hỏi"),
                                     bounded_int(value, "phương án"), now, device_token=device)
            except DomainError as e:
                errors.append(e)
    for message in dict.fromkeys(e.message for e in errors):
        flash(message, "error")
    if any(e.code == "device_replaced" for e in errors):  # the attempt page would take it back: go to the overview
        return redirect(url_for("contest.overview", slug=attempt.round.contest.slug))
    if "submit" in request.form:
        try:
            attempts.submit_attempt(attempt.id, current_user.id, now, _prediction(request.form.get("prediction")),
                                    device_token=device)
        except DomainError as e:
            flash(e.message, "error")
            return redirect(url_for("contest.attempt_page", attempt_id=attempt.id))
        return redirect(url_for("contest.result", attempt_id=attempt.id))
    if not errors:
        flash("Đã lưu các câu trả lời.", "success")
    return redirect(url_for("contest.attempt_page", attempt_id=attempt.id))


def _prediction(raw: str | None) -> int | None:
    raw = (raw or "").strip().replace(".", "").replace(",", "").replace(" ", "")
    if not raw:
        return None
    if not raw.isdecimal():
        raise attempts.AttemptError("Số dự đoán phải là một số nguyên không âm.", "invalid_prediction")
    if len(raw) > 12:  # the service checks the range; do not even parse a 5,000-digit number
        raise attempts.AttemptError(attempts.PREDICTION_RANGE_MESSAGE, "invalid_prediction")
    return int(raw)


@bp.get("/bai-thi/<int:attempt_id>/ket-qua")
@login_required
def result(attempt_id: int):
    now = utcnow()
    attempt = attempts.get_attempt(attempt_id, current_user.id, now)
    if attempt.status == attempts.IN_PROGRESS:
        return redirect(url_for("contest.attempt_page", attempt_id=attempt.id))
    view = attempts.view_attempt(attempt, now)
    rnd, contest = attempt.round, attempt.round.contest
    reg = registration.registration_for(current_user.id, contest.id)
    published = results.published(rnd.id) if rnd.is_ranked else None
    return render_template(
        "contest/result.html", view=view, result=attempts.result_of(attempt), contest=contest, now=now,
        round_standing=attempts.standing(reg, rnd) if reg else None,
        round_state=round_state(now, rnd.opens_at, rnd.closes_at) if not rnd.is_practice else "open",
        place=leaderboard.standing(contest, current_user.id, now, round_id=rnd.id) if rnd.is_ranked else None,
        published=published, certificate=certificates.current(current_user.id, rnd.id) if published else None)


@bp.get("/ca-nhan/lich-su")
@login_required
def history():
    """The contestant's own contests, attempts and certificates."""
    return render_template("contest/history.html", contests=certificates.history(current_user.id))


@bp.get("/ca-nhan/chung-nhan/<code>.pdf")
@login_required
def certificate_pdf(code: str):
    """The certificate as a PDF, for its owner only (anyone else: 404). An old code gives the current one."""
    cert = certificates.for_owner(code, current_user.id)
    if cert.code != code:
        return redirect(url_for("contest.certificate_pdf", code=cert.code))
    url = url_for("public.certificate_verify", code=cert.code, _external=True)
    data = certificates.render_pdf(cert, url, results.display_tz())
    return download(data, f"giay-chung-nhan-{cert.code.lower()}.pdf", "application/pdf", private=True)
