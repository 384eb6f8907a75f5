from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
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
    remember = BooleanField("Ghi nhớ đăng nhập trên thiết bị này")
    submit = SubmitField("Đăng nhập")


class SetPasswordForm(FlaskForm):
    password = PasswordField("Mật khẩu mới (ít nhất 8 ký tự)", validators=[DataRequired("Vui lòng nhập mật khẩu mới.")],
                             render_kw={"autocomplete": "new-password"})
    password2 = PasswordField("Nhập lại mật khẩu mới", validators=[EqualTo("password", "Mật khẩu nhập lại không khớp.")],
                              render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Đặt mật khẩu")
