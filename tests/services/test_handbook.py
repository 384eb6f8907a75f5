"""The printed handbook from the bundled bank: a PDF that opens, measures 13×19 cm, has a table of contents whose
page numbers are right and the index; every character is in the embedded font; Vietnamese survives extraction;
the DOCX opens with its headings; the command line writes the file."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from quizapp.domain import handbook as layout
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Question, Topic
from quizapp.services import bank
from quizapp.services import handbook as service

pypdf = pytest.importorskip("pypdf")
TTFont = pytest.importorskip("fontTools.ttLib").TTFont
docx = pytest.importorskip("docx")

NOW = datetime(2026, 12, 31, 18, 0, tzinfo=UTC)  # already 2027 in Vietnam
MM = 72 / 25.4


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def books(_migrated_app):
    """The bundled bank loaded once; the national core's book (the default) and the book of every collection."""
    app = _migrated_app
    with app.app_context():
        bank.load_bundled()
        national = service.build(now=NOW)
        everything = service.build(collections=[c.slug for c in service.choices()], now=NOW)
        pdf = service.render_pdf(everything)
        docx_data = service.render_docx(national)
        db.session.remove()
    yield SimpleNamespace(national=national, everything=everything, pdf=pdf, docx=docx_data)
    from tests.conftest import _truncate

    _truncate(app)


@pytest.fixture(scope="module")
def reader(books):
    return pypdf.PdfReader(io.BytesIO(books.pdf))


def test_default_is_the_national_core_numbered_through_with_the_year_in_vietnam(books):
    book = books.national
    assert book.count == 521 and book.collections == ("Bộ câu hỏi chung toàn quốc",)
    assert [e.number for e in book.entries()] == list(range(1, 522))
    assert book.year == 2027 and book.publisher == "Ngân hàng câu hỏi cuộc thi"
    assert book.title == "Hỏi - Đáp kiến thức cơ bản về công tác cải cách hành chính"


def test_the_pdf_opens_and_every_page_measures_13_by_19_cm(reader, books):
    assert len(reader.pages) > 100
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(130 * MM, abs=0.5)  # 368.5 pt
        assert float(box.height) == pytest.approx(190 * MM, abs=0.5)  # 538.6 pt
    assert reader.metadata.title == books.everything.title


def test_the_cover_names_the_book_the_publisher_and_the_year(reader):
    cover = _flat(reader.pages[0].extract_text())
    assert "HỎI - ĐÁP KIẾN THỨC CƠ BẢN VỀ CÔNG TÁC CẢI CÁCH HÀNH CHÍNH" in cover
    assert "NGÂN HÀNG CÂU HỎI CUỘC THI" in cover and "Năm 2027" in cover


def _outline(reader):
    """(title, page number as printed) of every bookmark, in order."""
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append((item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    return out


def test_the_table_of_contents_gives_the_page_each_heading_is_on(reader, books):
    headings = _outline(reader)
    parts = [p.heading for p in books.everything.parts]
    assert [t for t, _ in headings if t in parts] == parts  # every collection is a part, in order
    assert headings[-1][0] == layout.INDEX_TITLE
    toc = _flat(" ".join(reader.pages[i].extract_text() for i in range(1, headings[0][1] - 1)))
    assert "MỤC LỤC" in toc[:12]  # (the footer's page number may come first)
    for title, page in headings:
        label, _, rest = title.partition(" ") if title[0].isdigit() else ("", "", title)
        assert re.search(re.escape(_flat(f"{label} {rest}")) + r" ?\.{3,} ?" + f"{page}\\b", toc), (title, page)
        printed = _flat(reader.pages[page - 1].extract_text())
        assert _flat(title).casefold()[:40] in printed.casefold(), (title, page)
        assert printed.endswith(str(page))  # the footer's page number


def test_the_index_lists_every_cited_document_with_its_question_numbers(reader, books):
    start = dict(_outline(reader))[layout.INDEX_TITLE]
    index = _flat(" ".join(reader.pages[i].extract_text() for i in range(start - 1, len(reader.pages))))
    titles = {d.code: d.title for d in books.everything.index}
    assert len(titles) > 50
    nd118 = next(i for i in books.everything.index if i.code == "ND-118-2025")
    assert _flat(f"{nd118.title} Câu {nd118.numbers_text}") in index
    cited = [n for i in books.everything.index for n in i.numbers]
    assert set(cited) <= set(range(1, books.everything.count + 1))


def test_every_character_printed_is_in_the_embedded_font(reader, books):
    """The subsets fpdf2 embeds are DejaVu Sans; each one's cmap holds every character printed in that style."""
    embedded = {}
    for page in list(reader.pages):
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            embedded[str(font["/BaseFont"])] = descriptor["/FontFile2"].get_object().get_data()
    assert sorted(name.split("+")[1] for name in embedded) == ["DejaVuSansBold", "DejaVuSansBook"]
    cmaps = {name.split("+")[1]: set(map(chr, TTFont(io.BytesIO(data)).getBestCmap()))
             for name, data in embedded.items()}
    entries = books.everything.entries()
    bold = {ch for e in entries for ch in f"Câu {e.number}. {e.text} Đáp án: {e.answer}"}
    regular = {ch for e in entries for ch in "".join(e.options) + e.explanation + e.source}
    regular |= {ch for i in books.everything.index for ch in i.title}
    assert bold - cmaps["DejaVuSansBold"] == set()
    assert regular - cmaps["DejaVuSansBook"] == set()
    assert {"ạ", "ả", "ầ", "ẫ", "ệ", "ộ", "ở", "ữ", "ỹ", "Đ", "đ"} <= regular | bold  # the check is not vacuous


def test_the_shipped_fonts_cover_every_character_of_the_bank(books):
    used = {ch for text in books.everything.texts() for ch in text} | set("MỤC LỤC Năm Câu Đáp án Giải thích Nguồn")
    for path in service.FONT_FILES.values():
        assert used - set(map(chr, TTFont(path).getBestCmap())) == set(), path.name


def test_vietnamese_text_round_trips_through_the_pdf(reader, books):
    entry = next(e for e in books.everything.entries() if "Trung tâm Phục vụ hành chính công" in e.text)
    text = _flat(" ".join(p.extract_text() for p in reader.pages))
    assert _flat(f"Câu {entry.number}. {entry.text}") in text
    assert _flat(f"{entry.answer}. {entry.answer_text}") in text and _flat(entry.explanation) in text


def test_the_docx_opens_with_its_headings_page_size_and_questions(books):
    document = docx.Document(io.BytesIO(books.docx))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    sections = [s.heading for p in books.national.parts for s in p.sections]
    assert headings == sections + [layout.INDEX_TITLE]
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (13.0, 19.0)
    texts = [p.text for p in document.paragraphs]
    first = books.national.entries()[0]
    assert f"Câu 1. {first.text}" in texts and f"Đáp án: {first.answer}" in texts
    assert sum(t.startswith("Câu ") and t[4].isdigit() for t in texts) == 521
    body = zipfile.ZipFile(io.BytesIO(books.docx)).read("word/document.xml").decode()
    assert 'TOC \\o "1-2"' in body  # Word fills the table of contents with page numbers on opening


def test_chosen_topics_and_collections_and_retired_questions(db_session):
    bank.load_bundled()
    book = service.build(topics=["the-che"], collections=["lao-cai-2024"], now=NOW)
    assert [p.title for p in book.parts] == ["Bộ câu hỏi chung toàn quốc", book.collections[1]]
    assert [s.title for s in book.parts[0].sections] == ["Cải cách thể chế"]
    topic = db_session.scalar(select(Topic).where(Topic.slug == "the-che"))
    retired = db_session.scalar(select(Question).where(Question.topic_id == topic.id).order_by(Question.id))
    bank.set_status(retired.id, "retired")
    again = service.build(topics=["the-che"], now=NOW)
    assert retired.text not in [e.text for e in again.entries()]
    assert again.count == len(book.parts[0].sections[0].entries) - 1


def test_unknown_slugs_and_an_empty_bank_are_refused_in_vietnamese(db_session):
    with pytest.raises(DomainError, match="Chưa có bộ câu hỏi chung toàn quốc"):
        service.build(now=NOW)
    bank.load_bundled()
    with pytest.raises(DomainError, match="«khong-co»"):
        service.build(collections=["khong-co"], now=NOW)
    with pytest.raises(DomainError, match="PDF hoặc DOCX"):
        service.make("txt", now=NOW)


def test_the_command_writes_the_handbook(app, runner, tmp_path):
    with app.app_context():
        bank.load_bundled()
        db.session.commit()
    out = tmp_path / "so-tay.pdf"
    result = runner.invoke(args=["bank", "handbook", str(out), "--topics", "chi-so", "--title", "Sổ tay thử",
                                 "--body", "Ban Tuyên giáo Tỉnh ủy Lào Cai"])
    assert result.exit_code == 0, result.output
    assert "Đã ghi sổ tay Hỏi – Đáp" in result.output
    cover = pypdf.PdfReader(out).pages[0].extract_text()
    assert "SỔ TAY THỬ" in cover and "BAN TUYÊN GIÁO TỈNH ỦY LÀO CAI" in cover
    out = tmp_path / "so-tay.docx"
    assert runner.invoke(args=["bank", "handbook", str(out), "--collections", "lao-cai-2024"]).exit_code == 0
    assert docx.Document(out).paragraphs
    result = runner.invoke(args=["bank", "handbook", str(tmp_path / "x.txt")])
    assert result.exit_code != 0 and ".pdf hoặc .docx" in result.output
