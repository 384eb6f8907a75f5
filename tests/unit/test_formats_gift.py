"""GIFT import: supported types import, every other type is reported at its line."""
from pathlib import Path

import pytest

from quizapp.domain import formats
from quizapp.domain.formats import gift
from quizapp.domain.questions import QuestionDraft

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "moodle"


def _parse(text: str):
    return formats.parse(text.encode("utf-8"), "gift")


def _question_blocks(text: str) -> int:
    """Blank-line separated blocks that hold something other than // comments."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    return sum(1 for b in blocks if any(line.strip() and not line.strip().startswith("//") for line in b.splitlines()))


def test_moodle_fixture_no_question_is_dropped_silently():
    data = (FIXTURES / "questions.gift.txt").read_bytes()
    result = formats.parse(data, "gift")
    assert _question_blocks(data.decode("utf-8")) == 9
    assert len(result.questions) + len(result.issues) == 9
    assert len(result.questions) == 4


def test_moodle_fixture_unsupported_types_are_reported_by_line():
    result = formats.parse((FIXTURES / "questions.gift.txt").read_bytes(), "gift")
    reported = {(issue.location, issue.skipped_type) for issue in result.issues}
    assert reported == {("dòng 2", "essay"), ("dòng 5", "matching"), ("dòng 22", "multichoice_multi"),
                        ("dòng 31", "numerical"), ("dòng 34", "shortanswer")}
    essay = next(i for i in result.issues if i.skipped_type == "essay")
    assert essay.message == "Dạng câu hỏi «tự luận» chưa được hỗ trợ, đã bỏ qua."


def test_moodle_fixture_multiple_choice_drops_feedback_and_keeps_name():
    result = formats.parse((FIXTURES / "questions.gift.txt").read_bytes(), "gift")
    q2 = next(q for q in result.questions if q.external_id == "Q2")
    assert q2.text == "What's between orange and green in the spectrum?"
    assert (q2.options, q2.correct_index) == (["yellow", "red", "blue"], 0)
    assert q2.location == "dòng 14"


def test_moodle_fixture_true_false_with_general_feedback():
    result = formats.parse((FIXTURES / "questions.gift.txt").read_bytes(), "gift")
    q1 = next(q for q in result.questions if q.external_id == "Q1")
    assert (q1.options, q1.correct_index) == (["Đúng", "Sai"], 1)
    assert q1.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    tsl = [q for q in result.questions if q.external_id == "2-08 TSL"]
    assert [q.correct_index for q in tsl] == [0, 0] and tsl[0].text == "TSL is blablabla."


def test_true_false_short_forms():
    result = _parse("Câu một.{T}\n\nCâu hai.{FALSE}\n\nCâu ba. {F}\n")
    assert [q.correct_index for q in result.questions] == [0, 1, 1]


def test_escapes_html_and_comments():
    text = (
        "// chú thích\n"
        "::Tên\\: một::[html]<p>Điều 5 &amp; Điều 6 quy định <b>gì</b>?</p>{\n"
        "  =Thẩm quyền \\= trách nhiệm # đúng\n"
        "  ~Trình tự \\{bước\\} \\~ \\#1\n"
        "  ####[html]<i>Giải thích</i> ở đây\n"
        "}\n"
    )
    question = _parse(text).questions[0]
    assert question.external_id == "Tên: một"
    assert question.text == "Điều 5 & Điều 6 quy định gì?"
    assert question.options == ["Thẩm quyền = trách nhiệm", "Trình tự {bước} ~ #1"]
    assert question.explanation == "Giải thích ở đây"
    assert question.location == "dòng 2"


def test_plain_marker_keeps_text_literally():
    question = _parse("[plain]Ký hiệu <b> là gì?{=Thẻ in đậm ~Không có gì}").questions[0]
    assert question.text == "Ký hiệu <b> là gì?"


def test_missing_word_form_inserts_a_blank():
    question = _parse("Thủ đô của Việt Nam là {=Hà Nội ~Huế ~Đà Nẵng}.").questions[0]
    assert question.text == "Thủ đô của Việt Nam là _____."


def test_category_sets_the_topic_of_following_questions():
    result = _parse("$CATEGORY: $course$/top/Cải cách thể chế\n\nCâu?{=Có ~Không}\n")
    assert result.questions[0].topic == "Cải cách thể chế"


def test_unbalanced_braces_and_descriptions_are_reported():
    result = _parse("Câu thiếu ngoặc {=Có ~Không\n\nChỉ là một đoạn mô tả.\n")
    assert [i.location for i in result.issues] == ["dòng 1", "dòng 3"]
    assert "ngoặc" in result.issues[0].message
    assert result.issues[1].skipped_type == "description"


def test_two_right_answers_and_images_are_reported():
    result = _parse("Câu?{=Có =Đúng ~Không}\n\n[html]Xem <img src='a.png'> rồi chọn{=A ~B}\n")
    assert not result.questions
    assert "đúng một đáp án đúng" in result.issues[0].message
    assert result.issues[1].location == "dòng 3" and "hình ảnh" in result.issues[1].message


def test_detect_format_sniffs_txt_files():
    assert formats.detect_format("cau-hoi.txt", b"Cau?{=A ~B}") == "gift"
    assert formats.detect_format("cau-hoi.txt", b"::Q1:: Cau") == "gift"
    assert formats.detect_format("cau-hoi.txt", b"Cau?\nA) x\nB) y\nANSWER: A") == "aiken"
    assert formats.detect_format("the-che.txt", b"# bank\nTOPIC: the-che\nTITLE: X") == "bank"
    assert formats.detect_format("a.gift", b"") == "gift"
    assert formats.detect_format("a.XLSX", b"") == "xlsx"
    assert formats.detect_format("a.pdf", b"%PDF") is None


def test_export_escapes_special_characters():
    draft = QuestionDraft("Tỷ lệ 1:2 {a}?", ["= 5", "~ 6 # x"], 0, external_id="the-che-001",
                          explanation="Xem #3", topic="the-che")
    text = gift.export([draft]).decode("utf-8")
    assert "$CATEGORY: the-che" in text
    assert "::the-che-001::Tỷ lệ 1\\:2 \\{a\\}? {" in text
    assert "\t=\\= 5" in text and "\t~\\~ 6 \\# x" in text and "\t####Xem \\#3" in text


def test_export_keeps_an_option_that_looks_like_an_answer_weight():
    """GIFT has no escape for "%50%": without a [plain] marker the option was read back as a weight."""
    draft = QuestionDraft("Tỷ lệ nào?", ["%50% số phiếu", "%-25%", "Một nửa"], 2)
    text = gift.export([draft]).decode("utf-8")
    assert "\t~[plain]%50% số phiếu" in text
    result = gift.parse(text.encode("utf-8"))
    assert result.ok and result.questions[0].options == draft.options


@pytest.mark.parametrize(("text", "detail"), [
    ("::Bản đồ:: [markdown]Xem ![bản đồ](ban-do.png) rồi chọn {=Hà Tĩnh ~Nghệ An}", "ảnh Markdown ![…](…) trong nội dung câu hỏi"),
    ("::Bản đồ:: Xem ![bản đồ][hinh1] rồi chọn {=Hà Tĩnh ~Nghệ An}", "ảnh Markdown ![…](…) trong nội dung câu hỏi"),
    ("::Bản đồ:: Tỉnh nào? {=[html]<img src='ha-tinh.png'> ~Nghệ An}", "thẻ <img> trong phương án A"),
    ("::Bản đồ:: Tỉnh nào? {=Hà Tĩnh ~[markdown]![Nghệ An](na.png)}", "ảnh Markdown ![…](…) trong phương án B"),
    ("::Bản đồ:: Tỉnh nào? {=Hà Tĩnh ~Nghệ An ####[html]Xem <img src='@@PLUGINFILE@@/a.png'>}",
     "thẻ <img> trong phần giải thích"),
])
def test_gift_images_are_refused_with_the_question_and_what_to_do(text, detail):
    result = _parse("// đầu tệp\n\n" + text + "\n")
    assert not result.questions and len(result.issues) == 1
    issue = result.issues[0]
    assert issue.location == "dòng 3" and not issue.skipped_type
    assert f"Câu hỏi «Bản đồ» có hình ảnh hoặc tệp nhúng ({detail})" in issue.message
    assert "Hãy viết lại nội dung của hình thành chữ" in issue.message


def test_markdown_image_syntax_in_plain_text_is_only_text():
    result = _parse("[plain]Ký hiệu ![a](b) là gì? {=Ảnh trong Markdown ~Liên kết}\n")
    assert [q.text for q in result.questions] == ["Ký hiệu ![a](b) là gì?"]


def test_export_keeps_backslashes_in_the_category():
    """The reader unescapes \\n and \\: in a $CATEGORY path too: a topic's backslashes were lost."""
    draft = QuestionDraft("Câu hỏi?", ["Một", "Hai"], 0, topic="Văn bản \\n/2025 \\: mới")
    result = gift.parse(gift.export([draft]))
    assert result.ok and result.questions[0].topic == draft.topic
