"""Aiken import, checked against Moodle's own fixtures and expectations."""
from pathlib import Path

from quizapp.domain import formats
from quizapp.domain.formats import aiken
from quizapp.domain.questions import QuestionDraft

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "moodle"


def _parse(text: str):
    return formats.parse(text.encode("utf-8"), "aiken")


def test_moodle_error_fixture_imports_exactly_the_two_good_questions():
    result = formats.parse((FIXTURES / "aiken_errors.txt").read_bytes(), "aiken")
    assert [q.text for q in result.questions] == ["A good question", "A second good question"]
    first, second = result.questions
    assert (first.options, first.correct_index) == (["Correct", "Incorrect"], 0)
    assert (second.options, second.correct_index) == (["Incorrect (No space)", "Correct (No space)"], 1)


def test_moodle_error_fixture_reports_errors_at_lines_3_5_7_and_18():
    result = formats.parse((FIXTURES / "aiken_errors.txt").read_bytes(), "aiken")
    assert [issue.location for issue in result.issues] == ["dòng 3", "dòng 5", "dòng 7", "dòng 18"]
    too_few, not_started, _, not_completed = result.issues
    assert "ít nhất 2 phương án" in too_few.message
    assert "chưa bắt đầu" in not_started.message
    assert "A question started but not finished" in not_completed.message
    assert str(too_few).startswith("dòng 3")


def test_moodle_questions_fixture_imports_two_questions_with_text_kept_literally():
    result = formats.parse((FIXTURES / "questions.aiken.txt").read_bytes(), "aiken")
    assert result.ok and len(result.questions) == 2
    assert result.questions[0].options[result.questions[0].correct_index] == "Martin Dougiamas"
    assert '<html class="cool"> & images' in result.questions[1].text


def test_dot_labels_crlf_and_bom_are_read():
    data = "\ufeffThủ tục hành chính là gì?\r\nA. Trình tự\r\nB.Cách thức\r\nANSWER: A\r\n".encode("utf-8")
    result = formats.parse(data, "aiken")
    assert result.questions[0].options == ["Trình tự", "Cách thức"]
    assert result.questions[0].location == "dòng 1"


def test_answer_letter_without_option_is_reported_at_the_answer_line():
    result = _parse("Câu hỏi một?\nA) Có\nB) Không\nANSWER: D\n")
    assert not result.questions
    assert result.issues[0].location == "dòng 4" and "«D»" in result.issues[0].message


def test_question_left_open_at_end_of_file_is_reported_not_dropped():
    result = _parse("Câu hỏi một?\nA) Có\nB) Không\nANSWER: A\n\nCâu hỏi hai?\nA) Có\nB) Không\n")
    assert len(result.questions) == 1
    assert result.issues[0].location == "dòng 6" and "ANSWER" in result.issues[0].message


def test_duplicate_options_fail_validation():
    result = _parse("Câu hỏi?\nA) Có\nB) có\nANSWER: A\n")
    assert not result.questions
    assert "trùng" in result.issues[0].message and result.issues[0].location == "dòng 1"


def test_seven_options_are_rejected():
    options = "\n".join(f"{chr(65 + i)}) Phương án {i}" for i in range(7))
    result = _parse(f"Câu hỏi?\n{options}\nANSWER: A\n")
    assert not result.questions and "từ 2 đến 6" in result.issues[0].message


def test_legacy_encoding_is_a_file_error():
    result = formats.parse("Cơ quan nào?\nA) Có\nB) Không\nANSWER: A\n".encode("cp1258"), "aiken")
    assert "UTF-8" in result.file_error and not result.questions


def test_file_without_questions_is_a_file_error():
    assert "rỗng" in formats.parse(b"\n\n", "aiken").file_error
    assert "Không tìm thấy câu hỏi" in _parse("x\n.\n").file_error


def test_export_writes_moodle_style_aiken():
    draft = QuestionDraft("Câu hỏi?", ["Có", "Không"], 1)
    assert aiken.export([draft]).decode("utf-8") == "Câu hỏi?\nA) Có\nB) Không\nANSWER: B\n"
