"""The organiser's form for a live session (Vietnamese labels, messages at the field)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from quizapp.domain import live as rules


class LiveSessionForm(FlaskForm):
    title = StringField("Tên phiên thi", validators=[DataRequired("Vui lòng nhập tên phiên thi."), Length(max=200)])
    seconds = IntegerField("Thời gian mỗi câu (giây)", default=20, validators=[
        DataRequired("Vui lòng nhập thời gian mỗi câu."),
        NumberRange(rules.MIN_SECONDS, rules.MAX_SECONDS, "Thời gian mỗi câu phải từ 5 đến 300 giây.")])
    scoring_rule = RadioField("Cách tính điểm (công bố cho người chơi trước khi thi)",
                              choices=list(rules.SCORING_LABELS.items()), default=rules.SPEED)
    base_points = IntegerField("Điểm mỗi câu", default=1000, validators=[
        DataRequired("Vui lòng nhập điểm mỗi câu."), NumberRange(1, 100_000, "Điểm mỗi câu phải từ 1 đến 100.000.")])
    team_mode = BooleanField("Thi theo đội (mỗi xã, phường hoặc cơ quan một đội)")
    teams = TextAreaField("Tên các đội (mỗi dòng một đội)", validators=[Optional(), Length(max=5000)])
    max_team_members = IntegerField("Số thành viên tối đa mỗi đội", validators=[
        Optional(), NumberRange(1, 50, "Số thành viên tối đa mỗi đội phải từ 1 đến 50.")])
    require_account = BooleanField("Người chơi phải đăng nhập (tên hiển thị là họ tên trong tài khoản; đổi điện "
                                   "thoại thì đăng nhập lại là vào tiếp)")
    topics = SelectMultipleField("Rút câu hỏi từ các chủ đề", coerce=int, validate_choice=False,
                                 option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    count = IntegerField("Số câu hỏi", default=10, validators=[Optional(), NumberRange(1, rules.MAX_QUESTIONS,
                                                                                       "Số câu hỏi phải từ 1 đến 100.")])
    tiebreak_count = IntegerField("Số câu hỏi phụ dự phòng (phân định khi bằng điểm)", default=2,
                                  validators=[Optional(), NumberRange(0, 10, "Câu hỏi phụ từ 0 đến 10.")])
    picked = StringField("Hoặc chọn tay: mã các câu hỏi trong ngân hàng, cách nhau bởi dấu phẩy",
                         validators=[Optional(), Length(max=2000)])
    picked_tiebreak = StringField("Mã các câu hỏi phụ (chọn tay)", validators=[Optional(), Length(max=500)])
    redraw = BooleanField("Rút lại câu hỏi khi lưu")
    submit = SubmitField("Lưu phiên thi")


class ActionForm(FlaskForm):
    """Only the CSRF token: publishing the results."""

    submit = SubmitField("Công bố kết quả")
