"""Forms of the organiser's results pages."""
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from quizapp.domain.review import DECISION_LABELS


class ActionForm(FlaskForm):
    """A button that changes state (compute, approve): only the CSRF token."""

    submit = SubmitField("Thực hiện")


class PublishForm(FlaskForm):
    reason = TextAreaField("Lý do đính chính (bắt buộc khi đã công bố phiên bản trước)",
                           validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Công bố kết quả")


class ReviewForm(FlaskForm):
    decision = SelectField("Quyết định", choices=list(DECISION_LABELS.items()))
    note = TextAreaField("Ghi chú (bắt buộc khi loại thí sinh)", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Lưu quyết định")


def _count(label: str) -> IntegerField:
    return IntegerField(label, default=0, validators=[InputRequired("Vui lòng nhập số giải."),
                                                      NumberRange(0, 1000, "Số giải từ 0 đến 1000.")])


class PrizeForm(FlaskForm):
    first = _count("Giải Nhất")
    second = _count("Giải Nhì")
    third = _count("Giải Ba")
    consolation = _count("Giải Khuyến khích")
    collective_first = _count("Giải Nhất tập thể")
    collective_second = _count("Giải Nhì tập thể")
    collective_third = _count("Giải Ba tập thể")
    submit = SubmitField("Lưu cơ cấu giải")
