from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class JoinForm(FlaskForm):
    code = StringField("Mã tham gia (trên màn hình)", validators=[DataRequired("Vui lòng nhập mã tham gia.")],
                       render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 8})
    name = StringField("Tên hiển thị", validators=[DataRequired("Vui lòng nhập tên hiển thị."), Length(max=40)],
                       render_kw={"autocomplete": "name", "maxlength": 40})
    team = SelectField("Đội", validate_choice=False)
    submit = SubmitField("Vào phòng thi")
