"""Export then import gives back the same (normalised) questions, in every format the app writes."""
import pytest

from quizapp.domain import formats
from quizapp.domain.errors import DomainError
from quizapp.domain.questions import QuestionDraft

CORE = ("text", "options", "correct_index")
CARRIED = {
    "xlsx": CORE + ("topic", "difficulty", "explanation", "source"),
    "csv": CORE + ("topic", "difficulty", "explanation", "source"),
    "aiken": CORE,
    "gift": CORE + ("topic", "explanation", "external_id"),
    "moodle_xml": CORE + ("topic", "explanation", "source", "external_id"),
    "bank": CORE + ("topic", "difficulty", "explanation", "source", "evidence", "seed", "external_id"),
}


def _draft(number: int, text: str, options: list[str], correct: int, **extra) -> QuestionDraft:
    fields = dict(topic="the-che", difficulty=1 + number % 3, explanation=f"Giải thích số {number}: xem #{number}.",
                  source="Nghị quyết 76/NQ-CP ngày 15/7/2021, mục II", evidence="Chương trình tổng thể 2021 - 2030",
                  external_id=f"the-che-{number:03d}", seed="002" if number % 2 else "")
    return QuestionDraft(text, options, correct, **(fields | extra))


FOUR_OPTION_DRAFTS = [
    _draft(1, "Theo Nghị quyết 76/NQ-CP, chương trình áp dụng cho giai đoạn nào?",
           ["2016–2020", "2021–2030", "2021–2025", "2025–2035"], 1),
    _draft(2, "Ký hiệu {a} = b; tỷ lệ 1:2 và ~3 có nghĩa gì?", ["= 5", "~ 6 # x", "\\ gạch chéo", "[html] chữ"], 0),
    _draft(3, "Thẻ <b>đậm</b> & ký tự &amp; hiển thị ra sao?", ["-5", "+4", "@ông A", "'=1"], 3),
    _draft(4, "Câu hỏi có dấu ngoặc kép \"trích dẫn\", dấu phẩy; chấm phẩy?",
           ["Một, hai", "Ba; bốn", "Năm \"sáu\"", "Bảy"], 2, explanation=""),
]
OTHER_DRAFTS = [
    _draft(5, "Câu đúng/sai: Bộ phận Một cửa trả kết quả?", ["Đúng", "Sai"], 0),
    _draft(6, "Sáu phương án?", ["A1", "B2", "C3", "D4", "E5", "F6"], 5),
]


def _fields(question: QuestionDraft, names) -> dict:
    return {name: getattr(question, name) for name in names}


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "aiken", "gift", "moodle_xml", "bank"])
def test_export_then_import_gives_the_same_questions(fmt):
    drafts = FOUR_OPTION_DRAFTS + ([] if fmt == "bank" else OTHER_DRAFTS)
    if fmt == "bank":
        drafts = [d for d in drafts if d.explanation]  # the bank requires an explanation
    result = formats.parse(formats.export(drafts, fmt), fmt)
    assert result.ok, result.issues or result.file_error
    assert [_fields(q, CARRIED[fmt]) for q in result.questions] == [_fields(d, CARRIED[fmt]) for d in drafts]


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "aiken", "gift", "moodle_xml", "bank"])
def test_exported_files_are_detected_as_their_own_format(fmt):
    data = formats.export(FOUR_OPTION_DRAFTS[:1], fmt)
    name = {"xlsx": "a.xlsx", "csv": "a.csv", "moodle_xml": "ngan-hang-cau-hoi.xml"}.get(fmt, "a.txt")
    assert formats.detect_format(name, data[:4096]) == fmt


def test_bank_export_invents_ids_for_questions_without_one():
    drafts = [QuestionDraft(d.text, d.options, d.correct_index, topic="the-che", explanation="x", source="y",
                            evidence="z") for d in FOUR_OPTION_DRAFTS[:2]]
    result = formats.parse(formats.export(drafts, "bank"), "bank")
    assert [q.external_id for q in result.questions] == ["the-che-001", "the-che-002"]


def test_bank_export_refuses_several_topics():
    other = QuestionDraft("Câu khác?", ["1", "2", "3", "4"], 0, topic="cong-vu")
    with pytest.raises(DomainError, match="một chủ đề"):
        formats.export([FOUR_OPTION_DRAFTS[0], other], "bank")


def test_unknown_export_format_is_refused():
    with pytest.raises(ValueError):
        formats.export(FOUR_OPTION_DRAFTS, "pdf")
