from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


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
