"""Forms for setting up contests and rounds (Vietnamese labels, messages at the field)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from quizapp.domain.contest_setup import GROUP_LEVEL_LABELS
from quizapp.domain.counting import COUNTING_RULE_LABELS
from quizapp.domain.ranking import PREDICTION_MODE_LABELS

MAX_TRACKS, MAX_CATEGORIES = 6, 6


class TrackRow(Form):
    code = HiddenField()
    name = StringField("Tên bảng", validators=[Optional(), Length(max=120)])


class CategoryRow(Form):
    code = HiddenField()
    label = StringField("Đối tượng", validators=[Optional(), Length(max=160)])
    track = SelectField("Xếp vào bảng", coerce=str, validate_choice=False)
    unit_required = BooleanField("Phải chọn đơn vị công tác")


class ContestForm(FlaskForm):
    title = StringField("Tên cuộc thi", validators=[DataRequired("Vui lòng nhập tên cuộc thi."), Length(max=255)])
    slug = StringField("Mã cuộc thi (dùng trong địa chỉ trang, chữ thường không dấu)",
                       validators=[DataRequired("Vui lòng nhập mã cuộc thi, ví dụ cchc-2026."), Length(max=80)])
    organizing_body = StringField("Cơ quan tổ chức", validators=[DataRequired("Vui lòng nhập cơ quan tổ chức."),
                                                                Length(max=255)])
    province = SelectField("Tỉnh, thành phố", coerce=str, validate_choice=False)
    group_level = SelectField("Xếp hạng theo địa bàn cấp", choices=list(GROUP_LEVEL_LABELS.items()))
    description = TextAreaField("Giới thiệu cuộc thi", validators=[Optional(), Length(max=20000)])
    rules_text = TextAreaField("Thể lệ", validators=[Optional(), Length(max=20000)])
    tracks = FieldList(FormField(TrackRow), min_entries=MAX_TRACKS, max_entries=MAX_TRACKS)
    categories = FieldList(FormField(CategoryRow), min_entries=MAX_CATEGORIES, max_entries=MAX_CATEGORIES)
    min_rate = IntegerField("Tỷ lệ tham gia tối thiểu để xét giải tập thể (%)", default=50,
                            validators=[NumberRange(0, 100, "Tỷ lệ phải từ 0 đến 100.")])
    is_published = BooleanField("Công bố cuộc thi (hiện trên trang chủ, mở đăng ký)")
    submit = SubmitField("Lưu cuộc thi")


class CopyForm(FlaskForm):
    title = StringField("Tên cuộc thi mới", validators=[DataRequired("Vui lòng nhập tên."), Length(max=255)])
    slug = StringField("Mã cuộc thi mới", validators=[DataRequired("Vui lòng nhập mã."), Length(max=80)])
    first_opens = DateTimeLocalField("Đợt 1 mở lúc (giờ Việt Nam); các đợt khác dời theo", format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])
    submit = SubmitField("Sao chép cuộc thi")


class LoadForm(FlaskForm):
    file = FileField("Tệp định nghĩa cuộc thi (.yaml)", validators=[FileRequired("Vui lòng chọn tệp.")])
    submit = SubmitField("Kiểm tra tệp")


class ConfirmLoadForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Xác nhận nạp")


class RoundForm(FlaskForm):
    name = StringField("Tên đợt thi", validators=[DataRequired("Vui lòng nhập tên đợt thi."), Length(max=120)])
    opens_at = DateTimeLocalField("Mở lúc (giờ Việt Nam)", format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired("Vui lòng nhập thời điểm mở (ngày và giờ).")])
    closes_at = DateTimeLocalField("Đóng lúc (giờ Việt Nam)", format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired("Vui lòng nhập thời điểm đóng (ngày và giờ).")])
    question_count = IntegerField("Số câu hỏi mỗi lượt", default=20,
                                  validators=[DataRequired("Vui lòng nhập số câu hỏi."), NumberRange(1, 200)])
    time_limit_minutes = IntegerField("Thời gian làm bài (phút)", default=20,
                                      validators=[DataRequired("Vui lòng nhập thời gian."), NumberRange(1, 600)])
    attempts_allowed = IntegerField("Số lượt thi tối đa (để trống: không giới hạn)",
                                    validators=[Optional(), NumberRange(1, 100)])
    counting_rule = SelectField("Lượt được tính", choices=list(COUNTING_RULE_LABELS.items()))
    prediction_mode = SelectField("Câu hỏi dự đoán", choices=[("", "Không có")] + list(PREDICTION_MODE_LABELS.items()))
    prediction_question = StringField("Nội dung câu hỏi dự đoán", validators=[Optional(), Length(max=2000)])
    single_device = BooleanField("Mỗi lúc chỉ một thiết bị được giữ bài thi")
    confirmed = HiddenField()
    submit = SubmitField("Lưu đợt thi")


class DeleteForm(FlaskForm):
    submit = SubmitField("Xóa đợt thi")


class QuestionSetsForm(FlaskForm):
    submit = SubmitField("Lưu bộ câu hỏi")
