from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional


class RegistrationForm(FlaskForm):
    full_name = StringField("Họ và tên", validators=[DataRequired("Vui lòng nhập họ và tên."), Length(max=120)],
                            render_kw={"autocomplete": "name"})
    birth_date = DateField("Ngày sinh", validators=[DataRequired("Vui lòng nhập ngày sinh hợp lệ.")],
                           render_kw={"autocomplete": "bday"})
    gender = RadioField("Giới tính", choices=[("nam", "Nam"), ("nu", "Nữ")],
                        validators=[DataRequired("Vui lòng chọn giới tính.")])
    cccd = StringField("Số CCCD (12 chữ số)", validators=[DataRequired("Vui lòng nhập số CCCD.")],
                       render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20})
    phone = TelField("Số điện thoại di động", validators=[DataRequired("Vui lòng nhập số điện thoại.")],
                     render_kw={"inputmode": "tel", "autocomplete": "tel"})
    email = EmailField("Email (không bắt buộc)", validators=[Optional(), Email("Email không hợp lệ.")],
                       render_kw={"autocomplete": "email"})
    category = RadioField("Đối tượng dự thi", validators=[DataRequired("Vui lòng chọn đối tượng dự thi.")],
                          validate_choice=False)
    area_id = SelectField("Xã, phường", coerce=int, validators=[DataRequired("Vui lòng chọn xã, phường.")])
    unit_id = SelectField("Đơn vị công tác", coerce=int, validators=[Optional()])
    password = PasswordField("Mật khẩu (ít nhất 8 ký tự)", validators=[DataRequired("Vui lòng đặt mật khẩu.")],
                             render_kw={"autocomplete": "new-password"})
    password2 = PasswordField("Nhập lại mật khẩu", validators=[EqualTo("password", "Mật khẩu nhập lại không khớp.")],
                              render_kw={"autocomplete": "new-password"})
    consent = BooleanField("Tôi đồng ý để Ban Tổ chức xử lý dữ liệu cá nhân của tôi theo Nghị định 13/2023/NĐ-CP "
                           "cho mục đích tổ chức cuộc thi.")
    submit = SubmitField("Đăng ký")


class JoinForm(FlaskForm):
    """For someone already signed in: enter this contest without a new account."""

    category = RadioField("Đối tượng dự thi", validators=[DataRequired("Vui lòng chọn đối tượng dự thi.")],
                          validate_choice=False)
    area_id = SelectField("Xã, phường", coerce=int, validators=[DataRequired("Vui lòng chọn xã, phường.")])
    unit_id = SelectField("Đơn vị công tác", coerce=int, validators=[Optional()])
    consent = BooleanField("Tôi đồng ý để Ban Tổ chức xử lý dữ liệu cá nhân của tôi theo Nghị định 13/2023/NĐ-CP "
                           "cho mục đích tổ chức cuộc thi.")
    submit = SubmitField("Tham gia cuộc thi")
