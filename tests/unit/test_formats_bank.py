"""The bundled bank's text format: strict checks a reviewer relies on."""
from quizapp.domain import formats
from quizapp.domain.formats.bank import parse_bank

HEADER = "# Ngân hàng câu hỏi\nTOPIC: the-che\nTITLE: Cải cách thể chế\n"
QUESTION = """ID: the-che-001
Q: Theo Nghị quyết 76/NQ-CP, chương trình tổng thể cải cách hành chính nhà nước áp dụng cho giai đoạn nào?
A. 2016–2020
B. 2021–2030
C. 2021–2025
D. 2025–2035
ANSWER: B
DIFFICULTY: 1
EXPLANATION: Nghị quyết 76/NQ-CP ban hành Chương trình tổng thể giai đoạn 2021–2030.
SOURCE: Nghị quyết 76/NQ-CP ngày 15/7/2021 của Chính phủ
EVIDENCE: Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021 - 2030
SEED: 002
"""


def _bank(*blocks: str, filename: str = ""):
    return parse_bank("\n".join([HEADER, *blocks]).encode("utf-8"), filename)


def test_readme_example_is_read_with_every_field():
    bank = _bank(QUESTION, filename="the-che.txt")
    assert (bank.slug, bank.title) == ("the-che", "Cải cách thể chế")
    assert bank.result.ok
    question = bank.result.questions[0]
    assert question.options[question.correct_index] == "2021–2030"
    assert (question.topic, question.difficulty, question.seed) == ("the-che", 1, "002")
    assert question.external_id == "the-che-001"
    assert question.source.startswith("Nghị quyết 76/NQ-CP") and question.evidence.endswith("2021 - 2030")
    assert question.location == "dòng 5"


def test_missing_required_keys_are_each_reported():
    lines = QUESTION.splitlines(keepends=True)
    block = "".join(line for line in lines if not line.startswith(("EXPLANATION:", "EVIDENCE:")))
    result = _bank(block).result
    assert not result.questions
    assert {(i.location, i.field) for i in result.issues} == {("dòng 5", "EXPLANATION"), ("dòng 5", "EVIDENCE")}


def test_bank_questions_need_exactly_four_options():
    result = _bank(QUESTION.replace("D. 2025–2035\n", "")).result
    assert not result.questions and any("phương án D." in i.message for i in result.issues)
    result = _bank(QUESTION.replace("D. 2025–2035\n", "D. 2025–2035\nE. 2030–2040\n")).result
    assert not result.questions and result.issues[0].location == "dòng 11"


def test_wrong_values_are_reported_at_their_line():
    block = QUESTION.replace("ANSWER: B", "ANSWER: E").replace("DIFFICULTY: 1", "DIFFICULTY: 4")
    block = block.replace("ID: the-che-001", "ID: tc-1").replace("SEED: 002", "SEED: 2")
    result = _bank(block).result
    assert {(i.field, i.location) for i in result.issues} == {
        ("ID", "dòng 5"), ("ANSWER", "dòng 11"), ("DIFFICULTY", "dòng 12"), ("SEED", "dòng 16")}


def test_duplicate_ids_and_options_pointing_at_others_are_reported():
    second = QUESTION.replace("D. 2025–2035", "D. Cả A và B")
    result = _bank(QUESTION, second).result
    assert len(result.questions) == 1
    messages = " ".join(i.message for i in result.issues)
    assert "bị trùng" in messages and "nhắc tới phương án khác" in messages


def test_keys_out_of_order_and_unknown_lines():
    swapped = QUESTION.replace("ANSWER: B\nDIFFICULTY: 1", "DIFFICULTY: 1\nANSWER: B")
    assert "thứ tự" in _bank(swapped).result.issues[0].message
    garbage = QUESTION.replace("SEED: 002", "Ghi chú tự do")
    assert "không đúng định dạng" in _bank(garbage).result.issues[0].message


def test_header_and_filename_are_checked():
    assert "TOPIC" in parse_bank(QUESTION.encode("utf-8")).result.file_error
    assert "the-che.txt" in _bank(QUESTION, filename="khac.txt").result.file_error
    assert "không hợp lệ" in parse_bank("TOPIC: Thể chế\nTITLE: X\n").result.file_error


def test_generic_parse_accepts_bank_files():
    result = formats.parse("\n".join([HEADER, QUESTION]).encode("utf-8"), "bank", "tai-len.txt")
    assert result.ok and len(result.questions) == 1
