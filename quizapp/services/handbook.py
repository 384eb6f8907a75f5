"""The printed Q&A handbook: load the active questions of the chosen collections/topics and render the book the
domain lays out (quizapp.domain.handbook) as a 13×19 cm PDF (fpdf2, DejaVu Sans embedded) or as a DOCX to edit.

The PDF has a cover, a table of contents with page numbers (filled in once the pages are known), the questions
topic by topic, the index of cited documents, page numbers in the footer and PDF bookmarks for every heading.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from quizapp.domain import handbook as layout
from quizapp.domain.errors import DomainError
from quizapp.domain.handbook import Handbook, HandbookQuestion
from quizapp.extensions import db
from quizapp.models import Collection, LegalDocument, Question, Topic

FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}
FORMATS = ("pdf", "docx")
MIMETYPES = {"pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
FILENAME = "so-tay-hoi-dap-cai-cach-hanh-chinh"


@dataclass(frozen=True)
class HandbookFile:
    data: bytes
    filename: str
    mimetype: str
    count: int  # questions printed


# ---------------------------------------------------------------- choosing and loading


def chosen_topics(collections: list[str] = (), topics: list[str] = ()) -> list[Topic]:
    """The topics of the chosen collections and the chosen topics (slugs); nothing chosen: the national core."""
    collections, topics = [s for s in collections if s], [s for s in topics if s]
    if not collections and not topics:
        core = db.session.scalars(select(Collection.slug).where(Collection.kind == "national")).all()
        if not core:
            raise DomainError("Chưa có bộ câu hỏi chung toàn quốc: hãy nạp ngân hàng câu hỏi trước.", "no_core")
        collections = list(core)
    found_c = dict(db.session.execute(select(Collection.slug, Collection.id).where(Collection.slug.in_(collections))).all())
    found_t = dict(db.session.execute(select(Topic.slug, Topic.id).where(Topic.slug.in_(topics))).all())
    unknown = [s for s in collections if s not in found_c] + [s for s in topics if s not in found_t]
    if unknown:
        raise DomainError("Không có bộ câu hỏi hoặc chủ đề: " + ", ".join(f"«{s}»" for s in unknown) + ".", "not_found")
    stmt = (select(Topic).join(Collection)
            .where(Topic.collection_id.in_(found_c.values()) | Topic.id.in_(found_t.values()))
            .order_by(Collection.position, Collection.title, Topic.position, Topic.title))
    return list(db.session.scalars(stmt))


def questions_of(topics: list[Topic]) -> list[HandbookQuestion]:
    """The active questions of `topics`, in print order (collection, topic, then the order they were written in)."""
    order = {t.id: i for i, t in enumerate(topics)}
    rows = db.session.scalars(
        select(Question).where(Question.status == "active", Question.topic_id.in_(order))
        .options(selectinload(Question.options), selectinload(Question.topic).selectinload(Topic.collection))
        .order_by(func.coalesce(Question.family_id, Question.id), Question.id))
    rows = sorted(rows, key=lambda q: order[q.topic_id])  # stable: keeps the written order within a topic
    return [HandbookQuestion(text=q.text, options=tuple(o.text for o in q.options),
                             correct_index=next((i for i, o in enumerate(q.options) if o.is_correct), -1),
                             topic=q.topic.title, collection=q.topic.collection.title, explanation=q.explanation,
                             source=q.source, basis=tuple(q.basis_codes)) for q in rows]


def document_titles() -> dict[str, str]:
    return dict(db.session.execute(select(LegalDocument.code, LegalDocument.title)).all())


def build(*, collections: list[str] = (), topics: list[str] = (), title: str = "", publisher: str = "",
          now: datetime) -> Handbook:
    """The book of the chosen collections/topics (default: the national core); the cover's year is now's, in
    the display time zone."""
    tz = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Asia/Ho_Chi_Minh"))
    questions = questions_of(chosen_topics(collections, topics))
    return layout.build(questions, document_titles(), year=now.astimezone(tz).year, title=title, publisher=publisher)


def make(fmt: str, *, collections: list[str] = (), topics: list[str] = (), title: str = "", publisher: str = "",
         now: datetime) -> HandbookFile:
    """The handbook as a file to download or write: fmt is "pdf" or "docx"."""
    if fmt not in FORMATS:
        raise DomainError("Định dạng sổ tay phải là PDF hoặc DOCX.", "bad_format")
    book = build(collections=collections, topics=topics, title=title, publisher=publisher, now=now)
    data = render_pdf(book) if fmt == "pdf" else render_docx(book)
    return HandbookFile(data, f"{FILENAME}-{book.year}.{fmt}", MIMETYPES[fmt], book.count)


@dataclass(frozen=True)
class Choice:
    slug: str
    title: str
    count: int  # active questions


@dataclass(frozen=True)
class CollectionChoice(Choice):
    topics: tuple[Choice, ...]  # empty when its one topic bears the collection's title (choosing it is the same)


def choices() -> list[CollectionChoice]:
    """What the console's form offers: every collection with active questions, and its topics."""
    counts = dict(db.session.execute(select(Question.topic_id, func.count()).where(Question.status == "active")
                                     .group_by(Question.topic_id)).all())
    out = []
    for c in db.session.scalars(select(Collection).options(selectinload(Collection.topics))
                                .order_by(Collection.position, Collection.title)):
        topics = tuple(Choice(t.slug, t.title, counts.get(t.id, 0)) for t in c.topics if counts.get(t.id))
        if topics:
            same = len(topics) == 1 and topics[0].title == c.title
            out.append(CollectionChoice(c.slug, c.title, sum(t.count for t in topics), () if same else topics))
    return out


def default_publisher(user) -> str:
    """The organising body to print on the cover: the user's, when they organise for exactly one."""
    from quizapp.services import access

    bodies = access.organizer_bodies(user) if user is not None and not user.is_admin else []
    return bodies[0].name if len(bodies) == 1 else ""


# ---------------------------------------------------------------- PDF

PAGE = (130, 190)  # mm: the plan's 13×19 cm
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 14, 14, 16
BODY_PT, LINE = 9.5, 4.4  # body text size and line height (mm)
NUMBER_W = 10  # width kept for page numbers in the table of contents


def _pdf_class():
    from fpdf import FPDF

    class BookPDF(FPDF):
        """Page numbers in the footer of every page but the cover."""

        def footer(self):
            if self.page_no() > 1:
                self.set_y(-10)
                self.set_font("DejaVu", "", 8)
                self.set_text_color(80)
                self.cell(0, 4, str(self.page_no()), align="C")
                self.set_text_color(0)

    return BookPDF


def render_pdf(book: Handbook) -> bytes:
    """The book as a 130×190 mm PDF with the DejaVu Sans subset embedded."""
    pdf = _pdf_class()(unit="mm", format=PAGE)
    for style, path in FONT_FILES.items():
        pdf.add_font("DejaVu", style, str(path))
    pdf.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
    pdf.set_auto_page_break(True, MARGIN_BOTTOM)
    pdf.set_title(book.title)
    pdf.set_author(book.publisher)
    pdf.set_subject(", ".join(book.collections))
    pdf.set_creator("quizapp")
    pdf.set_lang("vi")
    pdf.set_display_mode("fullpage")
    _cover(pdf, book)
    toc = _toc_items(book)
    pdf.add_page()
    pdf.insert_toc_placeholder(lambda p, outline: _render_toc(p, toc, outline), pages=_toc_pages(pdf, toc))
    for part in book.parts:
        _part(pdf, part)
    _index(pdf, book)
    return bytes(pdf.output())


def _font(pdf, size: float, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)


def _cover(pdf, book: Handbook) -> None:
    pdf.add_page()
    width = pdf.epw
    _font(pdf, 10, bold=True)
    pdf.set_y(22)
    pdf.multi_cell(width, 5, book.publisher.upper(), align="C", new_x="LMARGIN")
    pdf.set_draw_color(120)
    pdf.line(pdf.w / 2 - 15, pdf.get_y() + 3, pdf.w / 2 + 15, pdf.get_y() + 3)
    pdf.set_y(66)
    _font(pdf, 17, bold=True)
    pdf.multi_cell(width, 8.5, book.title.upper(), align="C", new_x="LMARGIN")
    pdf.ln(8)
    _font(pdf, 9)
    lines = sum(len(pdf.multi_cell(width, 4.6, t, dry_run=True, output="LINES")) for t in book.collections)
    if pdf.get_y() + lines * 4.6 + len(book.collections) * 1.5 < pdf.h - 50:  # many long titles: count them
        for title in book.collections:
            pdf.multi_cell(width, 4.6, title, align="C", new_x="LMARGIN")
            pdf.ln(1.5)
    else:
        pdf.multi_cell(width, 4.6, f"{len(book.collections)} bộ câu hỏi", align="C", new_x="LMARGIN")
    pdf.ln(3)
    pdf.multi_cell(width, 5, f"{book.count} câu hỏi có đáp án, giải thích và nguồn", align="C", new_x="LMARGIN")
    pdf.set_y(pdf.h - 30)
    _font(pdf, 10, bold=True)
    pdf.cell(width, 5, f"Năm {book.year}", align="C")


@dataclass(frozen=True)
class _TocItem:
    level: int
    label: str  # "Phần I.", "1." or "" (the continuation lines of a wrapped title start after it)
    text: str
    bold: bool


def _toc_items(book: Handbook) -> list[_TocItem]:
    """The headings, in the order the pages start them (the same order as pdf.start_section calls)."""
    items = []
    for part in book.parts:
        if part.heading:
            items.append(_TocItem(0, f"{part.label}.", part.title, True))
        for section in part.sections:
            if section.heading:
                items.append(_TocItem(1 if part.heading else 0, section.label, section.title, not part.heading))
    items.append(_TocItem(0, "", layout.INDEX_TITLE, True))
    return items


TOC_LINE = 4.4


def _toc_geometry(pdf, item: _TocItem) -> tuple[float, float, list[str]]:
    """(x of the label, x of the title, the title's lines) of one item."""
    _font(pdf, 9, item.bold)
    x = pdf.l_margin + 5 * item.level
    text_x = x + (pdf.get_string_width(item.label + " ") if item.label else 0)
    width = pdf.w - pdf.r_margin - NUMBER_W - text_x - 5  # room for a few leader dots after the last line
    return x, text_x, pdf.multi_cell(width, TOC_LINE, item.text, align="L", dry_run=True, output="LINES")


def _toc_plan(pdf, toc: list[_TocItem]) -> list[tuple[int, float]]:
    """(page offset, y) of every item, with no item split across two pages; the same for counting and drawing."""
    top, bottom = MARGIN_TOP + 14, pdf.h - MARGIN_BOTTOM
    page, y, out = 0, top, []
    for item in toc:
        height = len(_toc_geometry(pdf, item)[2]) * TOC_LINE + (2 if item.level == 0 else 1)
        if y + height > bottom:
            page, y = page + 1, MARGIN_TOP
        out.append((page, y))
        y += height
    return out


def _toc_pages(pdf, toc: list[_TocItem]) -> int:
    return _toc_plan(pdf, toc)[-1][0] + 1


def _render_toc(pdf, toc: list[_TocItem], outline) -> None:
    """MỤC LỤC: each heading, dot leaders, its page number (a link to it)."""
    pdf.set_auto_page_break(False)
    start = pdf.page
    _font(pdf, 12, bold=True)
    pdf.set_y(MARGIN_TOP)
    pdf.cell(pdf.epw, 8, "MỤC LỤC", align="C")
    pages = [s.page_number for s in outline]
    right = pdf.w - pdf.r_margin - NUMBER_W
    for item, (offset, y), page_number in zip(toc, _toc_plan(pdf, toc), pages, strict=True):
        while pdf.page < start + offset:
            pdf.add_page()
        x, text_x, lines = _toc_geometry(pdf, item)
        link = pdf.add_link(page=page_number)
        if item.label:
            pdf.set_xy(x - pdf.c_margin, y)
            pdf.cell(text_x - x, TOC_LINE, item.label, link=link)
        for i, line in enumerate(lines):
            pdf.set_xy(text_x - pdf.c_margin, y + i * TOC_LINE)
            pdf.cell(right - text_x, TOC_LINE, line, link=link)
        end = text_x + pdf.get_string_width(lines[-1]) + 1
        _font(pdf, 9)
        dots = "." * max(0, int((right - end - 1) / pdf.get_string_width(".")))
        pdf.set_xy(end, y + (len(lines) - 1) * TOC_LINE)
        pdf.cell(right - end, TOC_LINE, dots, align="L")
        _font(pdf, 9, item.bold)
        pdf.cell(NUMBER_W, TOC_LINE, str(page_number), align="R", link=link)
    pdf.set_auto_page_break(True, MARGIN_BOTTOM)


def _heading(pdf, text: str, level: int, size: float, new_page: bool, shown: str | None = None) -> None:
    """A heading (and its bookmark, which the table of contents reads); `shown` is how the page prints it."""
    fresh = pdf.get_y() <= pdf.t_margin + 1  # e.g. the page the table of contents' placeholder left empty
    if (new_page and not fresh) or pdf.get_y() > pdf.h - MARGIN_BOTTOM - 40:  # a heading never ends a page
        pdf.add_page()
    pdf.start_section(text, level)
    _font(pdf, size, bold=True)
    pdf.multi_cell(pdf.epw, size * 0.5, shown or text, align="C" if level == 0 else "L", new_x="LMARGIN")
    pdf.ln(4 if level == 0 else 3)


def _part(pdf, part: layout.Part) -> None:
    if part.heading:
        _heading(pdf, part.heading, 0, 12, new_page=True,
                 shown=part.heading.upper() if len(part.heading) < 60 else part.heading)
    for i, section in enumerate(part.sections):
        if section.heading:
            level = 1 if part.heading else 0
            _heading(pdf, section.heading, level, 11 if level else 12, new_page=not (part.heading and i == 0))
        for entry in section.entries:
            _entry(pdf, entry)


def _entry(pdf, e: layout.Entry) -> None:
    """Câu N. question; A–D; Đáp án; Giải thích; Nguồn. The question and its options stay on one page."""
    width, hang = pdf.epw, 6
    _font(pdf, BODY_PT, bold=True)
    question = f"Câu {e.number}. {e.text}"
    needed = _lines(pdf, question, width) * LINE
    _font(pdf, BODY_PT)
    needed += sum(_lines(pdf, o, width - hang) for o in e.options) * LINE
    if pdf.get_y() + needed + LINE > pdf.h - MARGIN_BOTTOM:
        pdf.add_page()
    _font(pdf, BODY_PT, bold=True)
    pdf.multi_cell(width, LINE, question, align="J", new_x="LMARGIN")
    _font(pdf, BODY_PT)
    for letter, option in e.lettered_options:
        pdf.set_x(pdf.l_margin + 1)
        pdf.cell(hang - 1, LINE, f"{letter}.")
        pdf.multi_cell(width - hang, LINE, option, align="L", new_x="LMARGIN")
    pdf.ln(0.8)
    _font(pdf, BODY_PT, bold=True)
    pdf.multi_cell(width, LINE, f"Đáp án: {e.answer}", new_x="LMARGIN")
    _font(pdf, BODY_PT)
    if e.explanation:
        pdf.multi_cell(width, LINE, f"Giải thích: {e.explanation}", align="J", new_x="LMARGIN")
    if e.source:
        _font(pdf, 8)
        pdf.set_text_color(70)
        pdf.multi_cell(width, 3.9, f"Nguồn: {e.source}", align="L", new_x="LMARGIN")
        pdf.set_text_color(0)
    pdf.ln(3.5)


def _lines(pdf, text: str, width: float) -> int:
    """About how many lines `text` takes in the current font, erring on more (a dry-run of multi_cell is exact but
    costs as much as printing it; this is only to keep a question with its options)."""
    return math.ceil(pdf.get_string_width(text) * 1.1 / (width - 2 * pdf.c_margin)) or 1


def _index(pdf, book: Handbook) -> None:
    _heading(pdf, layout.INDEX_TITLE, 0, 12, new_page=True, shown=layout.INDEX_TITLE.upper())
    _font(pdf, 8.5)
    pdf.multi_cell(pdf.epw, 4, "Sau mỗi văn bản là số thứ tự các câu hỏi dựa trên văn bản đó.", align="C",
                   new_x="LMARGIN")
    pdf.ln(3)
    for item in book.index:
        _font(pdf, 9)
        lines = len(pdf.multi_cell(pdf.epw, LINE, item.title, dry_run=True, output="LINES")) + 1
        if pdf.get_y() + lines * LINE > pdf.h - MARGIN_BOTTOM:
            pdf.add_page()
        pdf.multi_cell(pdf.epw, LINE, item.title, align="L", new_x="LMARGIN")
        _font(pdf, 8.5, bold=True)
        pdf.set_x(pdf.l_margin + 5)
        pdf.multi_cell(pdf.epw - 5, 4, f"Câu {item.numbers_text}", align="L", new_x="LMARGIN")
        pdf.ln(1.8)


# ---------------------------------------------------------------- DOCX


def render_docx(book: Handbook) -> bytes:
    """The book as a 13×19 cm Word document (Times New Roman), with a table of contents Word fills on opening."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(13), Cm(19)
    section.left_margin = section.right_margin = Cm(1.4)
    section.top_margin, section.bottom_margin = Cm(1.4), Cm(1.6)
    section.footer_distance = Cm(0.7)
    _docx_styles(doc, Pt)
    doc.core_properties.title, doc.core_properties.author = book.title, book.publisher
    doc.core_properties.language = "vi-VN"

    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, book.publisher.upper(), bold=True, align=center, space_before=Pt(24))
    _para(doc, book.title.upper(), bold=True, size=Pt(18), align=center, space_before=Pt(110))
    for title in book.collections:
        _para(doc, title, size=Pt(10), align=center)
    _para(doc, f"{book.count} câu hỏi có đáp án, giải thích và nguồn", size=Pt(10), align=center)
    _para(doc, f"Năm {book.year}", bold=True, align=center, space_before=Pt(120))
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    _para(doc, "MỤC LỤC", bold=True, size=Pt(13), align=center)
    _toc_field(doc.add_paragraph())
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    first = True  # the first heading follows the table of contents' page break
    for part in book.parts:
        if part.heading:
            doc.add_heading(part.heading, level=1).paragraph_format.page_break_before = not first
            first = False
        for i, section_ in enumerate(part.sections):
            if section_.heading:
                heading = doc.add_heading(section_.heading, level=2 if part.heading else 1)
                heading.paragraph_format.page_break_before = not first and not (part.heading and i == 0)
                first = False
            for entry in section_.entries:
                _docx_entry(doc, entry, Cm, Pt)
    doc.add_heading(layout.INDEX_TITLE, level=1).paragraph_format.page_break_before = True
    _para(doc, "Sau mỗi văn bản là số thứ tự các câu hỏi dựa trên văn bản đó.", size=Pt(9))
    for item in book.index:
        p = doc.add_paragraph()
        p.add_run(item.title)
        run = p.add_run(f" — câu {item.numbers_text}")
        run.bold = True
    _page_number_footer(doc.sections[0])
    _update_fields_on_open(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _docx_styles(doc, Pt) -> None:
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    for name, size in (("Normal", 10.5), ("Heading 1", 13), ("Heading 2", 11.5)):
        style = doc.styles[name]
        style.font.name, style.font.size = "Times New Roman", Pt(size)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):  # a theme font would win
            fonts.attrib.pop(qn(attr), None)
        for attr in ("w:eastAsia", "w:cs"):
            fonts.set(qn(attr), "Times New Roman")
        if name != "Normal":
            style.font.color.rgb = RGBColor(0, 0, 0)
            style.font.bold = True
    doc.styles["Normal"].paragraph_format.space_after = Pt(2)


def _para(doc, text: str, *, bold: bool = False, size=None, align=None, space_before=None):
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = bold
    if size is not None:
        run.font.size = size
    if align is not None:
        p.alignment = align
    if space_before is not None:
        p.paragraph_format.space_before = space_before
    return p


def _docx_entry(doc, e: layout.Entry, Cm, Pt) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(8)
    p.paragraph_format.keep_with_next = True
    p.add_run(f"Câu {e.number}. {e.text}").bold = True
    for letter, option in e.lettered_options:
        o = doc.add_paragraph(f"{letter}. {option}")
        o.paragraph_format.left_indent, o.paragraph_format.first_line_indent = Cm(0.6), Cm(-0.5)
        o.paragraph_format.keep_with_next = True
        o.paragraph_format.space_after = Pt(0)
    answer = doc.add_paragraph()
    answer.add_run(f"Đáp án: {e.answer}").bold = True
    if e.explanation:
        doc.add_paragraph(f"Giải thích: {e.explanation}")
    if e.source:
        run = doc.add_paragraph().add_run(f"Nguồn: {e.source}")
        run.font.size, run.italic = Pt(9), True


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, TOC...) in `paragraph`."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str):
        run = OxmlElement("w:r")
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run.append(el)
        return run

    instr_run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = instruction
    instr_run.append(instr)
    paragraph._p.append(char("begin"))
    paragraph._p.append(instr_run)
    paragraph._p.append(char("separate"))
    text_run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    text_run.append(text)
    paragraph._p.append(text_run)
    paragraph._p.append(char("end"))


def _toc_field(paragraph) -> None:
    _field(paragraph, ' TOC \\o "1-2" \\h \\z \\u ',
           "Mục lục được cập nhật khi mở tệp (hoặc nhấn chuột phải vào đây, chọn Cập nhật trường).")


def _page_number_footer(section) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    section.different_first_page_header_footer = True  # no number on the cover
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(p, " PAGE ", "1")


def _update_fields_on_open(doc) -> None:
    """Word asks to update fields (so the table of contents gets its page numbers) when the file is opened."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement("w:updateFields")
    el.set(qn("w:val"), "true")
    settings = doc.settings.element
    later = [child for child in settings if child.tag.split("}")[-1] in _AFTER_UPDATE_FIELDS]
    if later:
        later[0].addprevious(el)  # Word wants the schema's order of settings
    else:
        settings.append(el)


_AFTER_UPDATE_FIELDS = {"hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
                        "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                        "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
                        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
                        "listSeparator"}
