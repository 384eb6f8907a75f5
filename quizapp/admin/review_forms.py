"""Forms of the review pages (decisions on entries, the contestant import, identity corrections)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class ScanForm(FlaskForm):
    submit = SubmitField("Quét lại")


class ReasonForm(FlaskForm):
    reason = TextAreaField("Lý do", validators=[DataRequired("Vui lòng ghi lý do."), Length(max=1000)])
    submit = SubmitField("Xác nhận")


class DuplicateActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    note = TextAreaField("Ghi chú / lý do", validators=[Optional(), Length(max=1000)])


class FlagActionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    note = StringField("Ghi chú", validators=[Optional(), Length(max=1000)])


class ContestantImportForm(FlaskForm):
    file = FileField("Danh sách người dự thi (.xlsx hoặc .csv)",
                     validators=[FileRequired("Vui lòng chọn tệp danh sách.")])
    submit = SubmitField("Kiểm tra tệp")


class ConfirmContestantImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Xác nhận nhập")


class IdentityForm(FlaskForm):
    full_name = StringField("Họ và tên", validators=[DataRequired("Vui lòng nhập họ và tên."), Length(max=120)])
    birth_date = DateField("Ngày sinh", validators=[DataRequired("Vui lòng nhập ngày sinh hợp lệ.")])
    gender = RadioField("Giới tính", choices=[("nam", "Nam"), ("nu", "Nữ")],
                        validators=[DataRequired("Vui lòng chọn giới tính.")])
    cccd = StringField("Số CCCD", validators=[Optional()], render_kw={"inputmode": "numeric", "autocomplete": "off"})
    phone = StringField("Số điện thoại", validators=[Optional()], render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = EmailField("Email", validators=[Optional(), Email("Email không hợp lệ.")])
    reason = TextAreaField("Lý do sửa", validators=[DataRequired("Vui lòng ghi lý do sửa thông tin."), Length(max=1000)])
    submit = SubmitField("Lưu thông tin")
