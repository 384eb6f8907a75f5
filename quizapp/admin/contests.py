"""Organisers set up rounds: window, questions, time, attempts, counting rule, prediction, blueprint."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from quizapp.auth.decorators import roles_required
from quizapp.domain.counting import COUNTING_RULE_LABELS
from quizapp.domain.errors import DomainError
from quizapp.domain.ranking import PREDICTION_MODE_LABELS
from quizapp.extensions import db
from quizapp.models import Contest, Round, utcnow
from quizapp.services import contests

bp = Blueprint("admin_contests", __name__, url_prefix="/quan-tri")


class RoundForm(FlaskForm):
    name = StringField("Tên đợt thi", validators=[DataRequired("Vui lòng nhập tên đợt thi.")])
    opens_at = DateTimeLocalField("Mở lúc (giờ Việt Nam)", format="%Y-%m-%dT%H:%M", validators=[DataRequired("Vui lòng nhập thời điểm mở.")])
    closes_at = DateTimeLocalField("Đóng lúc (giờ Việt Nam)", format="%Y-%m-%dT%H:%M", validators=[DataRequired("Vui lòng nhập thời điểm đóng.")])
    question_count = IntegerField("Số câu hỏi mỗi lượt", validators=[DataRequired(), NumberRange(1, 200)])
    time_limit_minutes = IntegerField("Thời gian làm bài (phút)", validators=[DataRequired(), NumberRange(1, 600)])
    attempts_allowed = IntegerField("Số lượt thi tối đa (để trống: không giới hạn)", validators=[Optional(), NumberRange(1, 100)])
    counting_rule = SelectField("Lượt được tính", choices=list(COUNTING_RULE_LABELS.items()))
    prediction_mode = SelectField("Câu hỏi dự đoán", choices=[("", "Không có")] + list(PREDICTION_MODE_LABELS.items()))
    prediction_question = StringField("Nội dung câu hỏi dự đoán", validators=[Optional()])
    blueprint = TextAreaField("Cơ cấu đề (mỗi dòng: mã chủ đề[/mức độ]: số câu; để trống: chọn ngẫu nhiên)",
                              validators=[Optional()])
    single_device = BooleanField("Mỗi lúc chỉ một thiết bị được giữ bài thi")
    submit = SubmitField("Lưu đợt thi")


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def blueprint_text(items: list) -> str:
    """'the-che/2: 3' lines for the form."""
    lines = []
    for it in items or []:
        key = (it.get("topic") or "*") + (f"/{it['difficulty']}" if it.get("difficulty") else "")
        lines.append(f"{key}: {it['count']}")
    return "\n".join(lines)


def parse_blueprint_text(text: str) -> list[dict]:
    items = []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        key, sep, count = line.partition(":")
        if not sep or not count.strip().isdigit():
            raise DomainError(f"Cơ cấu đề, dòng {n}: cần dạng «mã chủ đề/mức độ: số câu».", "invalid_blueprint")
        topic, _, level = key.strip().partition("/")
        item = {"count": int(count)}
        if topic and topic != "*":
            item["topic"] = topic
        if level:
            item["difficulty"] = level
        items.append(item)
    return items


@bp.get("/cuoc-thi")
@roles_required("organizer")
def contest_list():
    rows = db.session.scalars(db.select(Contest).order_by(Contest.id.desc())).all()
    return render_template("admin/contests.html", contests=rows)


@bp.route("/dot-thi/<int:round_id>", methods=["GET", "POST"])
@roles_required("organizer")
def edit_round(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    form = RoundForm()
    if not form.is_submitted():
        _fill(form, rnd)
    elif form.validate():
        try:
            contests.update_round(rnd.id, _settings(form), utcnow())
        except DomainError as e:
            flash(e.message, "error")
        else:
            flash("Đã lưu đợt thi.", "success")
            return redirect(url_for("admin_contests.contest_list"))
    return render_template("admin/round_edit.html", form=form, rnd=rnd)


def _fill(form: RoundForm, rnd: Round) -> None:
    tz = _tz()
    form.name.data = rnd.name
    form.opens_at.data = rnd.opens_at.astimezone(tz).replace(tzinfo=None)
    form.closes_at.data = rnd.closes_at.astimezone(tz).replace(tzinfo=None)
    form.question_count.data = rnd.question_count
    form.time_limit_minutes.data = rnd.time_limit_seconds // 60
    form.attempts_allowed.data = rnd.attempts_allowed
    form.counting_rule.data = rnd.counting_rule
    form.prediction_mode.data = rnd.prediction_mode or ""
    form.prediction_question.data = rnd.prediction_question
    form.blueprint.data = blueprint_text(rnd.blueprint)
    form.single_device.data = rnd.single_device


def _settings(form: RoundForm) -> contests.RoundSettings:
    tz = _tz()

    def aware(value: datetime) -> datetime:
        return value.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))

    return contests.RoundSettings(
        name=form.name.data.strip(), opens_at=aware(form.opens_at.data), closes_at=aware(form.closes_at.data),
        question_count=form.question_count.data, time_limit_minutes=form.time_limit_minutes.data,
        attempts_allowed=form.attempts_allowed.data, counting_rule=form.counting_rule.data,
        prediction_mode=form.prediction_mode.data or None, prediction_question=form.prediction_question.data or "",
        blueprint=parse_blueprint_text(form.blueprint.data), single_device=form.single_device.data)
