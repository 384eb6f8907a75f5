"""Moodle XML import: single-answer multichoice and truefalse import; the rest is reported by line."""
import xml.etree.ElementTree as ET

import pytest

from quizapp.domain import formats
from quizapp.domain.questions import QuestionDraft

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


# ---------------------------------------------------------------- images are refused, never dropped


def _one(question_body: str, name: str = "Câu có hình") -> str:
    return (f'<quiz><question type="multichoice"><name><text>{name}</text></name>{question_body}'
            '<single>true</single></question></quiz>')


_ANSWERS = '<answer fraction="100"><text>Một</text></answer><answer fraction="0"><text>Hai</text></answer>'


@pytest.mark.parametrize(("body", "detail"), [
    ('<questiontext format="html"><text>Chọn đúng</text></questiontext><image>images/ban-do.png</image>' + _ANSWERS,
     "thẻ <image> của Moodle"),
    ('<questiontext format="html"><text>Chọn đúng</text></questiontext><image_base64>iVBORw0KGgo=</image_base64>'
     + _ANSWERS, "thẻ <image_base64> của Moodle"),
    ('<questiontext format="html"><text>Chọn đúng</text><file name="a.png" path="/" encoding="base64">iVBO</file>'
     '</questiontext>' + _ANSWERS, "tệp đính kèm <file> trong nội dung câu hỏi"),
    ('<questiontext format="html"><text>Chọn đúng</text></questiontext>'
     '<answer fraction="100" format="html"><text>Một</text><file name="b.png" encoding="base64">iVBO</file></answer>'
     '<answer fraction="0"><text>Hai</text></answer>', "tệp đính kèm <file> trong phương án A"),
    ('<questiontext format="html"><text>Chọn đúng</text></questiontext>'
     '<answer fraction="100"><text>Một</text></answer>'
     '<answer fraction="0" format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/c.png">]]></text></answer>',
     "thẻ <img> trong phương án B"),
    ('<questiontext format="markdown"><text>Xem ![bản đồ](ban-do.png) rồi chọn</text></questiontext>' + _ANSWERS,
     "ảnh Markdown ![…](…) trong nội dung câu hỏi"),
    ('<questiontext format="html"><text>Chọn đúng</text></questiontext><generalfeedback format="html"><text>'
     '<![CDATA[Xem <img src="x.png">]]></text></generalfeedback>' + _ANSWERS, "thẻ <img> trong phần giải thích"),
])
def test_every_way_moodle_attaches_an_image_is_refused_with_what_to_do(body, detail):
    result = _parse("<?xml version='1.0'?>\n" + _one(body))
    assert not result.questions and len(result.issues) == 1
    issue = result.issues[0]
    assert issue.location == "dòng 2" and not issue.skipped_type  # an error: the import stops unless skipped
    assert f"«Câu có hình» có hình ảnh hoặc tệp nhúng ({detail})" in issue.message
    assert "chỉ hiển thị câu hỏi dạng chữ" in issue.message and "viết lại nội dung của hình thành chữ" in issue.message


def test_empty_old_image_elements_and_html_mentioning_img_as_text_are_not_images():
    body = ('<questiontext format="html"><text>Thẻ &amp;lt;img&amp;gt; dùng để làm gì?</text></questiontext>'
            '<image></image><image_base64/>' + _ANSWERS)
    result = _parse(_one(body, "HTML-01"))
    assert [q.text for q in result.questions] == ["Thẻ <img> dùng để làm gì?"] and not result.issues


# ---------------------------------------------------------------- export


def _export(*drafts: QuestionDraft) -> ET.Element:
    data = formats.export(list(drafts), "moodle_xml")
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    return ET.fromstring(data)


def test_export_writes_a_moodle_quiz_with_a_category_per_topic():
    first = QuestionDraft("Cơ quan nào tiếp nhận hồ sơ?", ["Văn thư", "Bộ phận Một cửa"], 1,
                          topic="Cải cách thủ tục hành chính", explanation="Theo Nghị định 61.",
                          source="Nghị định 61/2018/NĐ-CP", external_id="tthc-001")
    second = QuestionDraft("Câu thứ hai?", ["A", "B", "C"], 0, topic="Cải cách thủ tục hành chính")
    third = QuestionDraft("Câu thứ ba?", ["A", "B"], 1, topic="Cải cách thể chế/Luật")
    quiz = _export(first, second, third)
    kinds = [q.get("type") for q in quiz.iter("question")]
    assert kinds == ["category", "multichoice", "multichoice", "category", "multichoice"]
    paths = [q.findtext("category/text") for q in quiz.iter("question") if q.get("type") == "category"]
    assert paths == ["$course$/top/Cải cách thủ tục hành chính", "$course$/top/Cải cách thể chế//Luật"]
    q = quiz.findall("question")[1]
    assert q.findtext("name/text") == "tthc-001" and q.findtext("idnumber") == "tthc-001"
    assert q.find("questiontext").get("format") == "html"
    assert q.findtext("questiontext/text") == "<p>Cơ quan nào tiếp nhận hồ sơ?</p>"
    assert "Theo Nghị định 61." in q.findtext("generalfeedback/text")
    assert "Nguồn: Nghị định 61/2018/NĐ-CP" in q.findtext("generalfeedback/text")
    expected = {"defaultgrade": "1", "hidden": "0", "single": "true", "shuffleanswers": "true", "answernumbering": "abc"}
    assert {k: q.findtext(k) for k in expected} == expected and float(q.findtext("penalty")) > 0
    answers = q.findall("answer")
    assert [(a.get("fraction"), a.get("format"), a.findtext("text"), a.findtext("feedback/text")) for a in answers] == [
        ("0", "html", "Văn thư", ""), ("100", "html", "Bộ phận Một cửa", "")]
    unnamed = quiz.findall("question")[2]
    assert unnamed.findtext("name/text") == "Câu thứ hai?" and unnamed.findtext("idnumber") == ""


def test_export_escapes_html_and_vietnamese_round_trips():
    draft = QuestionDraft("Thẻ <b> & «ngoặc» có nghĩa gì?\nDòng hai", ["<i>nghiêng</i>", "a & b"], 0,
                          topic="Chuyển đổi số", explanation="Dùng &amp; trong HTML.")
    quiz = _export(draft)
    text = quiz.findall("question")[1].findtext("questiontext/text")
    assert text == "<p>Thẻ &lt;b&gt; &amp; «ngoặc» có nghĩa gì?<br>Dòng hai</p>"
    back = formats.parse(formats.export([draft], "moodle_xml"), "moodle_xml")
    assert back.ok, back.issues
    (q,) = back.questions
    assert q.text == "Thẻ <b> & «ngoặc» có nghĩa gì? Dòng hai"
    assert q.options == ["<i>nghiêng</i>", "a & b"] and q.explanation == "Dùng &amp; trong HTML."
    assert q.topic == "Chuyển đổi số" and q.external_id == ""  # a name that is only the text's start is no ID


def test_a_moodle_name_that_is_not_the_texts_start_stays_the_id():
    body = '<questiontext format="html"><text>Chọn đúng</text></questiontext>' + _ANSWERS
    assert _parse(_one(body, "Câu 7 (đề 2024)")).questions[0].external_id == "Câu 7 (đề 2024)"
    with_id = _one(body + "<idnumber>TTHC-7</idnumber>", "Câu 7")
    assert _parse(with_id).questions[0].external_id == "TTHC-7"
