"""The handbook's structure: parts and sections in order, numbering through the book, the index of documents."""
import unicodedata

import pytest

from quizapp.domain import handbook
from quizapp.domain.errors import DomainError
from quizapp.domain.handbook import HandbookQuestion

CORE = "Bộ câu hỏi chung toàn quốc"
LAO_CAI = "Kế hoạch tuyên truyền cải cách hành chính năm 2024 của tỉnh Lào Cai"


def q(text, topic="Cải cách thể chế", collection=CORE, basis=(), correct=0, options=("Một", "Hai", "Ba", "Bốn")):
    return HandbookQuestion(text=text, options=options, correct_index=correct, topic=topic, collection=collection,
                            explanation=f"Vì {text}", source="Nghị quyết 76/NQ-CP", basis=basis)


DOCS = {
    "NQ-76-2021": "Nghị quyết 76/NQ-CP ngày 15/7/2021 của Chính phủ",
    "LUAT-80-2025": "Luật Cán bộ, công chức số 80/2025/QH15",
    "CT-23-2021": "Chỉ thị 23/CT-TTg ngày 02/9/2021 của Thủ tướng Chính phủ",
    "DA-14-2021": "Đề án 14-ĐA/TU của Tỉnh ủy Lào Cai",
    "ND-118-2025": "Nghị định 118/2025/NĐ-CP",
}


def test_one_collection_has_no_part_headings_and_topics_in_order_of_first_appearance():
    book = handbook.build([q("a1"), q("b1", topic="Cải cách thủ tục hành chính"), q("a2")], DOCS, year=2026)
    [part] = book.parts
    assert part.heading is None
    assert [s.heading for s in part.sections] == ["1. Cải cách thể chế", "2. Cải cách thủ tục hành chính"]
    assert [[e.text for e in s.entries] for s in part.sections] == [["a1", "a2"], ["b1"]]


def test_questions_are_numbered_through_the_whole_book_across_parts():
    book = handbook.build([q("a1"), q("a2"), q("l1", topic=LAO_CAI, collection=LAO_CAI), q("b1", topic="Chỉ số")],
                          DOCS, year=2026)
    assert [p.heading for p in book.parts] == [f"Phần I. {CORE}", f"Phần II. {LAO_CAI}"]
    assert [(e.number, e.text) for e in book.entries()] == [(1, "a1"), (2, "a2"), (3, "b1"), (4, "l1")]
    assert book.count == 4 and book.collections == (CORE, LAO_CAI)


def test_a_local_collection_whose_one_topic_bears_its_title_gets_no_second_heading():
    book = handbook.build([q("a1"), q("l1", topic=LAO_CAI, collection=LAO_CAI)], DOCS, year=2026)
    assert book.parts[1].heading == f"Phần II. {LAO_CAI}"
    assert [s.heading for s in book.parts[1].sections] == [None]
    assert book.parts[0].sections[0].heading == "1. Cải cách thể chế"


def test_each_entry_carries_its_letter_answer_explanation_and_source():
    [entry] = handbook.build([q("Câu hỏi?", correct=2)], DOCS, year=2026).entries()
    assert entry.lettered_options == [("A", "Một"), ("B", "Hai"), ("C", "Ba"), ("D", "Bốn")]
    assert (entry.answer, entry.answer_text) == ("C", "Ba")
    assert entry.explanation == "Vì Câu hỏi?" and entry.source == "Nghị quyết 76/NQ-CP"


def test_the_index_lists_each_document_once_with_its_questions_in_vietnamese_order():
    questions = [q("1", basis=("NQ-76-2021",)), q("2", basis=("LUAT-80-2025", "NQ-76-2021")),
                 q("3", basis=("DA-14-2021",)), q("4", basis=("CT-23-2021",)), q("5", basis=("ND-118-2025",)),
                 q("6", basis=("NQ-76-2021", "NQ-76-2021"))]
    book = handbook.build(questions, DOCS, year=2026)
    # Chỉ thị, Đề án (đ after d), Luật, Nghị định, Nghị quyết: letters first, not code points or codes
    assert [i.code for i in book.index] == ["CT-23-2021", "DA-14-2021", "LUAT-80-2025", "ND-118-2025", "NQ-76-2021"]
    assert book.index[-1].numbers == (1, 2, 6)  # a code given twice counts once
    assert book.index[-1].title == DOCS["NQ-76-2021"]


def test_a_code_the_register_does_not_know_is_indexed_under_the_code():
    book = handbook.build([q("1", basis=("TL-PCI",))], DOCS, year=2026)
    assert [(i.code, i.title, i.numbers) for i in book.index] == [("TL-PCI", "TL-PCI", (1,))]


def test_number_ranges_compress_runs_of_three_or_more():
    assert handbook.number_ranges([8, 1, 2, 3, 5, 7, 3]) == "1–3, 5, 7, 8"
    assert handbook.number_ranges([]) == ""


def test_cover_defaults_and_overrides():
    book = handbook.build([q("1")], DOCS, year=2026)
    assert (book.title, book.publisher, book.year) == (handbook.DEFAULT_TITLE, "Ngân hàng câu hỏi cuộc thi", 2026)
    book = handbook.build([q("1")], DOCS, year=2024, title=" Sổ tay  Lào Cai ", publisher="Ban Tuyên giáo Tỉnh ủy")
    assert (book.title, book.publisher) == ("Sổ tay Lào Cai", "Ban Tuyên giáo Tỉnh ủy")


def test_text_is_printed_precomposed():
    decomposed = unicodedata.normalize("NFD", "Cải cách hành chính")
    [entry] = handbook.build([q(decomposed)], DOCS, year=2026).entries()
    assert entry.text == "Cải cách hành chính" and len(entry.text) < len(decomposed)


def test_an_empty_choice_or_a_question_without_answer_is_refused_in_vietnamese():
    with pytest.raises(DomainError, match="Không có câu hỏi nào"):
        handbook.build([], DOCS, year=2026)
    with pytest.raises(DomainError, match="không có đáp án đúng"):
        handbook.build([q("1", correct=-1)], DOCS, year=2026)


def test_roman_numerals():
    assert [handbook.roman(n) for n in (1, 4, 9, 14, 40)] == ["I", "IV", "IX", "XIV", "XL"]


def test_a_book_of_one_topic_heads_it_without_a_number():
    book = handbook.build([q("l1", topic=LAO_CAI, collection=LAO_CAI)], DOCS, year=2026)
    assert [s.heading for p in book.parts for s in p.sections] == [LAO_CAI]
