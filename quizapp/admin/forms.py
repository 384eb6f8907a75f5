from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional

FORMAT_CHOICES = [("", "Tự nhận biết theo tên tệp"), ("xlsx", "Excel (.xlsx)"), ("csv", "CSV (UTF-8)"),
                  ("aiken", "Aiken (.txt)"), ("gift", "GIFT (.txt/.gift)"), ("moodle_xml", "Moodle XML (.xml)"),
                  ("bank", "Định dạng ngân hàng câu hỏi (.txt)")]


class ImportForm(FlaskForm):
    file = FileField("Tệp câu hỏi", validators=[FileRequired("Vui lòng chọn tệp câu hỏi.")])
    collection = SelectField("Nhập vào bộ câu hỏi", coerce=str, validate_choice=False)
    fmt = SelectField("Định dạng", choices=FORMAT_CHOICES, default="")
    skip_invalid = BooleanField("Bỏ qua các câu lỗi, chỉ nhập các câu hợp lệ")
    allow_duplicates = BooleanField("Vẫn nhập các câu trùng với ngân hàng")
    submit = SubmitField("Kiểm tra tệp")


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    skip_invalid = HiddenField()
    allow_duplicates = HiddenField()
    fmt = HiddenField()
    collection = HiddenField()
    submit = SubmitField("Xác nhận nhập")


class QuestionForm(FlaskForm):
    topic = SelectField("Chủ đề", coerce=str)
    text = TextAreaField("Câu hỏi", validators=[DataRequired("Vui lòng nhập nội dung câu hỏi."), Length(max=2000)])
    option_a = StringField("Phương án A", validators=[DataRequired("Vui lòng nhập phương án A.")])
    option_b = StringField("Phương án B", validators=[DataRequired("Vui lòng nhập phương án B.")])
    option_c = StringField("Phương án C", validators=[Optional()])
    option_d = StringField("Phương án D", validators=[Optional()])
    correct = SelectField("Đáp án đúng", choices=[(x, x) for x in "ABCD"])
    difficulty = SelectField("Mức độ", choices=[("1", "1 – Dễ"), ("2", "2 – Trung bình"), ("3", "3 – Khó")])
    explanation = TextAreaField("Giải thích", validators=[Optional(), Length(max=2000)])
    source = StringField("Nguồn (văn bản, ngày, điều/mục)", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Lưu câu hỏi")


class StatusForm(FlaskForm):
    """Retire or restore: the page renders only its CSRF token and one `status` input per question."""

    status = HiddenField(validators=[DataRequired(), AnyOf(("active", "retired"))])


class TopicForm(FlaskForm):
    """One action on the topics page (each row posts its own: the page renders the inputs by hand)."""

    action = HiddenField(validators=[DataRequired(), AnyOf(("create", "rename", "up", "down", "merge"))])
    topic_id = HiddenField()
    title = StringField("Tên chủ đề", validators=[Optional(), Length(max=255)])
    collection = SelectField("Bộ câu hỏi", coerce=str, validate_choice=False)
    merge_into = SelectField("Gộp vào chủ đề", coerce=str, validate_choice=False)



class HandbookForm(FlaskForm):
    """The printed Q&A handbook: collections and/or topics (checkboxes rendered by hand), PDF or DOCX."""

    collections = SelectMultipleField("Bộ câu hỏi", choices=[])
    topics = SelectMultipleField("Chủ đề", choices=[])
    fmt = RadioField("Định dạng", choices=[("pdf", "PDF (để in)"), ("docx", "DOCX (để sửa trong Word)")], default="pdf")
    title = StringField("Tên sổ tay (in trên bìa)", validators=[Optional(), Length(max=200)])
    publisher = StringField("Cơ quan biên soạn (in trên bìa)", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Tạo sổ tay")
