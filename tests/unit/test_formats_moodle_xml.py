"""Moodle XML import: single-answer multichoice and truefalse import; the rest is reported by line."""
from quizapp.domain import formats

QUIZ = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category">
    <category><text>$course$/top/Cải cách thủ tục hành chính</text></category>
  </question>
  <question type="multichoice">
    <name><text>TTHC-01</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>Cơ quan nào <b>tiếp nhận</b> hồ sơ &amp; trả kết quả?</p>]]></text></questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>Bộ phận Một cửa.</p>]]></text></generalfeedback>
    <single>true</single>
    <answer fraction="0" format="html"><text>Văn thư</text></answer>
    <answer fraction="100" format="html"><text><![CDATA[<p>Bộ phận Một cửa</p>]]></text></answer>
    <answer fraction="0" format="html"><text>Thanh tra</text></answer>
  </question>
  <question type="truefalse">
    <name><text>TF</text></name>
    <questiontext format="moodle_auto_format"><text>Dịch vụ công trực tuyến toàn trình.</text></questiontext>
    <answer fraction="0"><text>true</text></answer>
    <answer fraction="100"><text>false</text></answer>
  </question>
  <question type="multichoice">
    <name><text>Nhiều đáp án</text></name>
    <questiontext format="html"><text>Chọn các ý đúng</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>Một</text></answer>
    <answer fraction="50"><text>Hai</text></answer>
    <answer fraction="0"><text>Ba</text></answer>
  </question>
  <question type="essay">
    <name><text>Tự luận</text></name>
    <questiontext format="html"><text>Trình bày ý kiến.</text></questiontext>
  </question>
  <question type="match">
    <name><text>Ghép</text></name>
    <questiontext format="html"><text>Ghép đôi.</text></questiontext>
  </question>
</quiz>
"""


def _parse(text: str):
    return formats.parse(text.encode("utf-8"), "moodle_xml")


def test_supported_questions_import_with_html_converted_to_text():
    result = _parse(QUIZ)
    first, second = result.questions
    assert first.text == "Cơ quan nào tiếp nhận hồ sơ & trả kết quả?"
    assert (first.options, first.correct_index) == (["Văn thư", "Bộ phận Một cửa", "Thanh tra"], 1)
    assert first.explanation == "Bộ phận Một cửa."
    assert first.topic == "Cải cách thủ tục hành chính" and first.external_id == "TTHC-01"
    assert (second.options, second.correct_index) == (["Đúng", "Sai"], 1)


def test_unsupported_types_are_reported_at_their_line():
    result = _parse(QUIZ)
    assert [(i.location, i.skipped_type) for i in result.issues] == [
        ("dòng 22", "multichoice_multi"), ("dòng 30", "essay"), ("dòng 34", "matching")]
    assert "«tự luận» chưa được hỗ trợ" in result.issues[1].message


def test_multichoice_without_single_flag_but_one_full_answer_imports():
    xml = """<quiz><question type="multichoice"><questiontext><text>Câu?</text></questiontext>
      <single>false</single><answer fraction="100"><text>Có</text></answer>
      <answer fraction="0"><text>Không</text></answer></question></quiz>"""
    assert _parse(xml).questions[0].correct_index == 0


def test_single_answer_multichoice_with_two_right_answers_is_reported():
    xml = """<quiz><question type="multichoice"><questiontext><text>Câu?</text></questiontext>
      <single>true</single><answer fraction="100"><text>Có</text></answer>
      <answer fraction="100"><text>Đúng</text></answer></question></quiz>"""
    result = _parse(xml)
    assert not result.questions and "đúng một đáp án đúng" in result.issues[0].message


def test_malformed_xml_is_a_file_error_with_the_line():
    result = _parse("<quiz>\n<question type='truefalse'>\n</quiz>")
    assert "dòng 3" in result.file_error and not result.questions


def test_entities_and_non_quiz_roots_are_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaa">]><quiz>&a;</quiz>'
    assert "không được phép" in _parse(bomb).file_error
    assert "Moodle XML" in _parse("<html><body/></html>").file_error


def test_question_with_image_is_reported_not_imported_without_it():
    xml = """<quiz><question type="multichoice"><questiontext format="html">
      <text><![CDATA[Xem hình <img src="@@PLUGINFILE@@/a.png"> rồi chọn]]></text></questiontext>
      <single>true</single><answer fraction="100"><text>A</text></answer>
      <answer fraction="0"><text>B</text></answer></question></quiz>"""
    result = _parse(xml)
    assert not result.questions and "hình ảnh" in result.issues[0].message


def test_xml_extension_is_detected():
    assert formats.detect_format("export.xml", b"<?xml") == "moodle_xml"
