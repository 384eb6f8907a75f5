from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, PasswordField, StringField, SubmitField, TelField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    identifier = StringField(
        "Số điện thoại hoặc số CCCD",
        validators=[DataRequired("Vui lòng nhập số điện thoại hoặc số CCCD."), Length(max=80)],
        render_kw={"autocomplete": "username", "inputmode": "text"},
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu.")], render_kw={"autocomplete": "current-password"}
    )
    # Ticked by default: a contestant mostly signs in on their own phone, and a remembered sign-in lasts the whole
    # contest (REMEMBER_COOKIE_DURATION), so the round opening needs no sign-in. The hint says when to untick it.
    remember = BooleanField("Ghi nhớ đăng nhập trên thiết bị này", default=True)
    submit = SubmitField("Đăng nhập")


class SetPasswordForm(FlaskForm):
    password = PasswordField("Mật khẩu mới (ít nhất 8 ký tự)", validators=[DataRequired("Vui lòng nhập mật khẩu mới.")],
                             render_kw={"autocomplete": "new-password"})
    password2 = PasswordField("Nhập lại mật khẩu mới", validators=[EqualTo("password", "Mật khẩu nhập lại không khớp.")],
                              render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Đặt mật khẩu")


class ForgotPasswordForm(FlaskForm):
    """Prove who you are with the details given when registering (the same inputs as the registration form)."""

    # No length or required checks here: the same checks as registration say what is wrong, in Vietnamese.
    cccd = StringField("Số CCCD (12 chữ số)",
                       render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20})
    birth_date = DateField("Ngày sinh", validators=[DataRequired("Vui lòng nhập ngày sinh (ngày/tháng/năm) hợp lệ.")],
                           render_kw={"autocomplete": "bday"})
    phone = TelField("Số điện thoại di động đã đăng ký",
                     render_kw={"inputmode": "tel", "autocomplete": "tel"})
    submit = SubmitField("Tiếp tục")
