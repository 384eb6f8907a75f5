"""The question bank in the console: browse every collection, add and edit questions where allowed, import
files (upload → report → confirm), manage topics. The national core and the local collections are edited by
site admins; an organising body's own collection by its organisers."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.admin.forms import ConfirmImportForm, HandbookForm, ImportForm, QuestionForm, StatusForm, TopicForm
from quizapp.admin.guards import staff_required
from quizapp.domain.errors import DomainError
from quizapp.domain.questions import QuestionDraft
from quizapp.models import utcnow
from quizapp.safe_input import BadInput, bounded_int
from quizapp.services import bank, uploads
from quizapp.services import handbook as handbook_service
from quizapp.web import FILE_TYPES, XLSX, download

bp = Blueprint("admin_bank", __name__, url_prefix="/quan-tri")

EXPORTS = {"xlsx": "ngan-hang-cau-hoi.xlsx", "csv": "ngan-hang-cau-hoi.csv",
           "aiken": "ngan-hang-cau-hoi-aiken.txt", "gift": "ngan-hang-cau-hoi.gift",
           "moodle_xml": "ngan-hang-cau-hoi.xml"}


@bp.get("/cau-hoi")
@staff_required
def questions():
    return _bank_page()


def _bank_page(handbook_form: HandbookForm | None = None, handbook_error: str = "", status_code: int = 200):
    args = request.args
    status = args.get("status", "active") or None
    if status not in (None, "active", "retired"):
        status = "active"
    page = max(1, min(args.get("page", 1, type=int), 10_000))
    offered = handbook_service.choices()
    if handbook_form is None:
        handbook_form = _handbook_form(offered, publisher=handbook_service.default_publisher(current_user))
    rows, total = bank.search(args.get("q", "")[:200], args.get("topic", type=int), args.get("difficulty", type=int),
                              status, page, collection_id=args.get("bo", type=int))
    return render_template("admin/questions.html", rows=rows, total=total, page=page, topics=bank.topics(),
                           collections=bank.collections(), args=args, status=status or "", status_form=StatusForm(),
                           may_edit=lambda q: bank.may_edit(current_user, q),
                           editable=bank.editable_collections(current_user),
                           handbook_form=handbook_form, handbook_choices=offered,
                           handbook_error=handbook_error), status_code


# ---------------------------------------------------------------- the printed handbook


def _handbook_form(offered: list[handbook_service.CollectionChoice], **data) -> HandbookForm:
    form = HandbookForm(**data)
    form.collections.choices = [(c.slug, c.title) for c in offered]
    form.topics.choices = [(t.slug, t.title) for c in offered for t in c.topics]
    return form


@bp.post("/cau-hoi/so-tay")
@staff_required
def handbook():
    """The printed Q&A handbook of the chosen collections/topics, as PDF or DOCX (any staff member may print it).
    A wrong choice shows the bank page again with the message in the handbook's section (the form posts to
    #so-tay, so the browser lands there)."""
    form = _handbook_form(handbook_service.choices())
    if not form.validate_on_submit():
        return _bank_page(form, "Không tạo được sổ tay: lựa chọn không hợp lệ, vui lòng tải lại trang và chọn lại.", 400)
    if not form.collections.data and not form.topics.data:
        return _bank_page(form, "Hãy chọn ít nhất một bộ câu hỏi hoặc một chủ đề để in sổ tay.", 400)
    try:
        book = handbook_service.make(form.fmt.data, collections=form.collections.data, topics=form.topics.data,
                                     title=form.title.data or "", publisher=form.publisher.data or "", now=utcnow())
    except DomainError as e:
        return _bank_page(form, e.message, 400)
    return download(book.data, book.filename, book.mimetype)


def _topic_choices(form: QuestionForm) -> None:
    form.topic.choices = [(t.slug, f"{t.collection.title} – {t.title}") for t in bank.editable_topics(current_user)]


@bp.route("/cau-hoi/moi", methods=["GET", "POST"])
@staff_required
def new_question():
    form = QuestionForm()
    _topic_choices(form)
    if not form.topic.choices:
        flash("Bạn chưa có chủ đề nào để thêm câu hỏi: hãy tạo chủ đề trong bộ câu hỏi riêng trước.", "error")
        return redirect(url_for("admin_bank.topics_page"))
    if form.validate_on_submit():
        try:
            q = bank.create_question(_draft_from_form(form), current_user)
        except DomainError as e:
            flash(e.message, "error")
        else:
            flash("Đã thêm câu hỏi.", "success")
            return redirect(url_for("admin_bank.edit_question", question_id=q.id))
    return render_template("admin/question_edit.html", form=form, q=None, used=False)


@bp.route("/cau-hoi/<int:question_id>", methods=["GET", "POST"])
@staff_required
def edit_question(question_id: int):
    q = bank.get_question(question_id) or abort(404)
    if not bank.may_edit(current_user, q):
        return render_template("admin/question_view.html", q=q)
    form = QuestionForm()
    _topic_choices(form)
    if request.method == "GET":
        _fill_form(form, q)
    elif form.validate_on_submit():
        try:
            saved = bank.edit_question(q.id, _draft_from_form(form), current_user)
        except DomainError as e:
            flash(e.message, "error")
        else:
            note = " (đã tạo phiên bản mới vì câu hỏi đã được dùng trong bài thi)" if saved.id != q.id else ""
            flash(f"Đã lưu câu hỏi{note}.", "success")
            return redirect(url_for("admin_bank.edit_question", question_id=saved.id))
    return render_template("admin/question_edit.html", form=form, q=q, used=bank.question_used(q.id))


@bp.post("/cau-hoi/<int:question_id>/trang-thai")
@staff_required
def question_status(question_id: int):
    form = StatusForm()
    if form.validate_on_submit():
        try:
            bank.set_status(question_id, form.status.data, current_user)
            flash("Đã ngừng sử dụng câu hỏi." if form.status.data == "retired" else "Đã dùng lại câu hỏi.", "success")
        except DomainError as e:
            flash(e.message, "error")
    else:
        flash("Không đổi được trạng thái: yêu cầu không hợp lệ, vui lòng tải lại trang.", "error")
    return redirect(request.referrer or url_for("admin_bank.questions"))


def _fill_form(form: QuestionForm, q) -> None:
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


# ---------------------------------------------------------------- importing


def _collection_choices(form) -> None:
    form.collection.choices = [(str(c.id), c.title) for c in bank.editable_collections(current_user)]


@bp.route("/cau-hoi/nhap", methods=["GET", "POST"])
@staff_required
def import_questions():
    form = ImportForm()
    _collection_choices(form)
    if not form.validate_on_submit():
        return render_template("admin/import.html", form=form, report=None)
    collection = _chosen_collection(form.collection.data)
    upload = form.file.data
    data = upload.read()
    report = bank.import_file(data, upload.filename or "tep", fmt=form.fmt.data or None, dry_run=True,
                              skip_invalid=form.skip_invalid.data, allow_duplicates=form.allow_duplicates.data,
                              collection=collection, create_topics=True)
    confirm = None
    if not report.blocked and report.to_add:
        confirm = ConfirmImportForm(formdata=None, token=uploads.keep(current_app.instance_path, data, report.filename),
                                    skip_invalid="1" if form.skip_invalid.data else "",
                                    allow_duplicates="1" if form.allow_duplicates.data else "", fmt=form.fmt.data,
                                    collection=str(collection.id))
    return render_template("admin/import.html", form=form, report=report, confirm=confirm)


def _chosen_collection(value):
    allowed = {str(c.id): c for c in bank.editable_collections(current_user)}
    if value not in allowed:
        abort(404)
    return allowed[value]


@bp.post("/cau-hoi/nhap/xac-nhan")
@staff_required
def confirm_import():
    form = ConfirmImportForm()
    stored = uploads.fetch(current_app.instance_path, form.token.data) if form.validate_on_submit() else None
    if stored is None:
        flash("Phiên nhập tệp đã hết hạn. Vui lòng tải tệp lên lại.", "error")
        return redirect(url_for("admin_bank.import_questions"))
    data, filename = stored
    report = bank.import_file(data, filename, fmt=form.fmt.data or None, skip_invalid=bool(form.skip_invalid.data),
                              allow_duplicates=bool(form.allow_duplicates.data),
                              collection=_chosen_collection(form.collection.data),
                              create_topics=request.form.get("create_topics") == "1")
    if report.blocked:
        flash(report.summary, "error")
        return redirect(url_for("admin_bank.import_questions"))
    uploads.discard(current_app.instance_path, form.token.data)
    flash(report.summary, "success")
    return redirect(url_for("admin_bank.questions"))


@bp.get("/cau-hoi/mau-nhap.xlsx")
@staff_required
def import_template():
    return download(bank.template_xlsx(), "mau-nhap-cau-hoi.xlsx", XLSX)


@bp.get("/cau-hoi/xuat/<fmt>")
@staff_required
def export_questions(fmt: str):
    if fmt not in EXPORTS:
        abort(404)
    data = bank.export_bank(fmt, collection_id=request.args.get("bo", type=int))
    return download(data, EXPORTS[fmt], FILE_TYPES.get(fmt, "text/plain; charset=utf-8"))


# ---------------------------------------------------------------- topics


@bp.route("/chu-de", methods=["GET", "POST"])
@staff_required
def topics_page():
    form = TopicForm()
    editable = bank.editable_collections(current_user)
    form.collection.choices = [(str(c.id), c.title) for c in editable]
    form.merge_into.choices = [("", "—")] + [(str(t.id), f"{t.collection.title} – {t.title}")
                                             for t in bank.editable_topics(current_user)]
    if form.validate_on_submit():
        try:
            _topic_action(form, {str(c.id): c for c in editable})
        except DomainError as e:
            flash(e.message, "error")
        return redirect(url_for("admin_bank.topics_page"))
    return render_template("admin/topics.html", form=form, collections=bank.collections(), counts=bank.counts_by_topic(),
                           editable={c.id for c in editable})


def _topic_id(raw) -> int | None:
    """A topic id posted by the topics page: None when missing, 400 when not a number a column can hold."""
    if raw in (None, ""):
        return None
    try:
        return bounded_int(str(raw).strip(), "chủ đề")
    except ValueError:
        raise BadInput("Chủ đề không hợp lệ.", "topic_id") from None


def _topic_action(form: TopicForm, editable: dict) -> None:
    action, topic_id = form.action.data, _topic_id(form.topic_id.data)
    if action == "create":
        collection = editable.get(form.collection.data) or abort(404)
        bank.create_topic(collection, form.title.data or "", current_user)
        flash("Đã tạo chủ đề.", "success")
    elif action == "rename" and topic_id:
        bank.rename_topic(topic_id, form.title.data or "", current_user)
        flash("Đã đổi tên chủ đề.", "success")
    elif action in ("up", "down") and topic_id:
        bank.move_topic(topic_id, -1 if action == "up" else 1, current_user)
    elif action == "merge" and topic_id and form.merge_into.data:
        moved = bank.merge_topics(topic_id, _topic_id(form.merge_into.data), current_user)
        flash(f"Đã gộp chủ đề: chuyển {moved} câu hỏi.", "success")
    else:
        raise DomainError("Thao tác không hợp lệ.", "invalid_topic")
