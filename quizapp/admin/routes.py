"""Organisers' pages: the dashboard and the question bank."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for

from quizapp.admin.forms import ConfirmImportForm, ImportForm, QuestionForm, StatusForm
from quizapp.auth.decorators import roles_required
from quizapp.domain.errors import DomainError
from quizapp.domain.questions import QuestionDraft
from quizapp.extensions import db
from quizapp.models import Question
from quizapp.services import bank, uploads

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")

EXPORT_TYPES = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "ngan-hang-cau-hoi.xlsx"),
    "csv": ("text/csv; charset=utf-8", "ngan-hang-cau-hoi.csv"),
    "aiken": ("text/plain; charset=utf-8", "ngan-hang-cau-hoi-aiken.txt"),
    "gift": ("text/plain; charset=utf-8", "ngan-hang-cau-hoi.gift"),
}


@bp.get("/")
@roles_required("organizer", "moderator")
def dashboard():
    return render_template("admin/dashboard.html", topics=bank.topics(), counts=bank.counts_by_topic())


@bp.get("/cau-hoi")
@roles_required("organizer")
def questions():
    args = request.args
    status = args.get("status", "active") or None
    page = max(1, args.get("page", 1, type=int))
    rows, total = bank.search(args.get("q", ""), args.get("topic", type=int), args.get("difficulty", type=int), status, page)
    return render_template("admin/questions.html", rows=rows, total=total, page=page, topics=bank.topics(),
                           args=args, status=status or "", status_form=StatusForm())


@bp.route("/cau-hoi/<int:question_id>", methods=["GET", "POST"])
@roles_required("organizer")
def edit_question(question_id: int):
    q = db.session.get(Question, question_id) or abort(404)
    form = QuestionForm(obj=None)
    form.topic.choices = [(t.slug, t.title) for t in bank.topics()]
    if request.method == "GET":
        _fill_form(form, q)
    elif form.validate_on_submit():
        try:
            saved = bank.edit_question(q.id, _draft_from_form(form))
        except DomainError as e:
            flash(e.message, "error")
        else:
            note = " (đã tạo phiên bản mới vì câu hỏi đã được dùng trong bài thi)" if saved.id != q.id else ""
            flash(f"Đã lưu câu hỏi{note}.", "success")
            return redirect(url_for("admin.edit_question", question_id=saved.id))
    return render_template("admin/question_edit.html", form=form, q=q, used=bank.question_used(q.id))


@bp.post("/cau-hoi/<int:question_id>/trang-thai")
@roles_required("organizer")
def question_status(question_id: int):
    form = StatusForm()
    if form.validate_on_submit():
        try:
            bank.set_status(question_id, form.status.data)
            flash("Đã ngừng sử dụng câu hỏi." if form.status.data == "retired" else "Đã dùng lại câu hỏi.", "success")
        except DomainError as e:
            flash(e.message, "error")
    return redirect(request.referrer or url_for("admin.questions"))


def _fill_form(form: QuestionForm, q: Question) -> None:
    form.topic.data = q.topic.slug
    form.text.data = q.text
    for letter, option in zip("abcd", q.options):
        getattr(form, f"option_{letter}").data = option.text
    form.correct.data = "ABCD"[next((i for i, o in enumerate(q.options) if o.is_correct), 0)]
    form.difficulty.data = str(q.difficulty)
    form.explanation.data = q.explanation
    form.source.data = q.source


def _draft_from_form(form: QuestionForm) -> QuestionDraft:
    letters = [x for x in "abcd" if (getattr(form, f"option_{x}").data or "").strip()]
    options = [getattr(form, f"option_{x}").data for x in letters]
    correct = letters.index(form.correct.data.lower()) if form.correct.data.lower() in letters else -1
    return QuestionDraft(text=form.text.data, options=options, correct_index=correct, topic=form.topic.data,
                         difficulty=int(form.difficulty.data), explanation=form.explanation.data or "",
                         source=form.source.data or "")


@bp.route("/cau-hoi/nhap", methods=["GET", "POST"])
@roles_required("organizer")
def import_questions():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("admin/import.html", form=form, report=None)
    upload = form.file.data
    data = upload.read()
    report = bank.import_file(data, upload.filename or "tep", fmt=form.fmt.data or None, dry_run=True,
                              skip_invalid=form.skip_invalid.data, allow_duplicates=form.allow_duplicates.data)
    confirm = None
    if not report.blocked and report.to_add:
        confirm = ConfirmImportForm(formdata=None, token=uploads.keep(current_app.instance_path, data, report.filename),
                                    skip_invalid="1" if form.skip_invalid.data else "",
                                    allow_duplicates="1" if form.allow_duplicates.data else "", fmt=form.fmt.data)
    return render_template("admin/import.html", form=form, report=report, confirm=confirm)


@bp.post("/cau-hoi/nhap/xac-nhan")
@roles_required("organizer")
def confirm_import():
    form = ConfirmImportForm()
    stored = uploads.fetch(current_app.instance_path, form.token.data) if form.validate_on_submit() else None
    if stored is None:
        flash("Phiên nhập tệp đã hết hạn. Vui lòng tải tệp lên lại.", "error")
        return redirect(url_for("admin.import_questions"))
    data, filename = stored
    report = bank.import_file(data, filename, fmt=form.fmt.data or None, skip_invalid=bool(form.skip_invalid.data),
                              allow_duplicates=bool(form.allow_duplicates.data))
    uploads.discard(current_app.instance_path, form.token.data)
    flash(report.summary, "error" if report.blocked else "success")
    return redirect(url_for("admin.questions"))


@bp.get("/cau-hoi/mau-nhap.xlsx")
@roles_required("organizer")
def import_template():
    return _download(bank.template_xlsx(), EXPORT_TYPES["xlsx"][0], "mau-nhap-cau-hoi.xlsx")


@bp.get("/cau-hoi/xuat/<fmt>")
@roles_required("organizer")
def export_questions(fmt: str):
    if fmt not in EXPORT_TYPES:
        abort(404)
    mimetype, filename = EXPORT_TYPES[fmt]
    return _download(bank.export_bank(fmt), mimetype, filename)


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
