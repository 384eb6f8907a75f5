from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectMultipleField, SubmitField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from quizapp.domain.personal_data import CORRECTION_FIELDS


class ContactForm(FlaskForm):
    email = EmailField("Email (không bắt buộc; để trống nếu muốn xóa)", validators=[Optional(), Length(max=255)],
                       render_kw={"autocomplete": "email"})
    phone = TelField("Số điện thoại di động", validators=[DataRequired("Vui lòng nhập số điện thoại.")],
                     render_kw={"inputmode": "tel", "autocomplete": "tel"})
    submit = SubmitField("Lưu email và số điện thoại")


class CorrectionForm(FlaskForm):
    fields = SelectMultipleField("Thông tin bị sai", choices=list(CORRECTION_FIELDS.items()),
                                 option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    message = TextAreaField("Thông tin đúng và lý do (ví dụ: «Họ tên đúng là Nguyễn Thị Hòa, tôi gõ nhầm»)",
                            validators=[DataRequired("Vui lòng ghi thông tin đúng và lý do cần sửa."),
                                        Length(max=2000)], render_kw={"rows": 3})
    submit = SubmitField("Gửi đề nghị sửa")


class DeletionForm(FlaskForm):
    confirm = BooleanField("Tôi hiểu rằng sau khi gửi, tôi không thể bắt đầu lượt thi mới và tài khoản sẽ bị ẩn danh, "
                           "khóa khi cuộc thi công bố kết quả cuối cùng.")
    submit = SubmitField("Rút lại sự đồng ý và đề nghị xóa dữ liệu")
