"""CSV and Excel import: Vietnamese headers, row-numbered issues, and unsafe or odd files refused."""
import io
import os
import struct
import unicodedata
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from quizapp.domain import formats
from quizapp.domain.formats import tabular
from quizapp.domain.questions import ParseResult, QuestionDraft

HEADER = ["Chủ đề", "Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Phương án D",
          "Đáp án đúng", "Mức độ", "Giải thích", "Nguồn"]
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
ROW = ["Thể chế", "Cơ quan nào ban hành Nghị quyết 76/NQ-CP?", "Quốc hội", "Chính phủ", "Bộ Nội vụ", "",
       "B", "Dễ", "Nghị quyết của Chính phủ.", "Nghị quyết 76/NQ-CP"]


def _xlsx(rows, build=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if build:
        build(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv(text: str) -> ParseResult:
    return formats.parse(text.encode("utf-8"), "csv")


def _windows_1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: base letters precomposed, tone marks combining."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in TONE_MARKS)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS)) + tones)
    return "".join(out).encode("cp1258")


# ---------------------------------------------------------------- reading rows


def test_xlsx_rows_import_with_every_column():
    result = formats.parse(_xlsx([HEADER, ROW]), "xlsx")
    assert result.ok
    question = result.questions[0]
    assert question.options == ["Quốc hội", "Chính phủ", "Bộ Nội vụ"]
    assert (question.correct_index, question.difficulty, question.topic) == (1, 1, "Thể chế")
    assert question.source == "Nghị quyết 76/NQ-CP" and question.location == "hàng 2"


def test_headers_match_without_accents_or_case_and_in_any_order():
    header = ["CAU HOI", "phuong an b", "Phuong an A", "dap an dung"]
    result = formats.parse(_xlsx([header, ["Câu?", "Hai", "Một", "a)"]]), "xlsx")
    assert (result.questions[0].options, result.questions[0].correct_index) == (["Một", "Hai"], 0)


def test_optional_columns_e_and_f_and_gaps_between_options():
    header = HEADER[:6] + ["Phương án E", "Phương án F", "Đáp án đúng"]
    rows = [header, ["", "Câu một?", "1", "2", "3", "4", "5", "6", "f"],
            ["", "Câu hai?", "1", "2", "", "", "5", "", "A"]]
    result = formats.parse(_xlsx(rows), "xlsx")
    assert (len(result.questions[0].options), result.questions[0].correct_index) == (6, 5)
    assert [(i.location, i.message) for i in result.issues] == [("hàng 3", "Phương án C trống."),
                                                                ("hàng 3", "Phương án D trống.")]


def test_issues_name_the_spreadsheet_row():
    rows = [HEADER, ROW, [], ROW[:6] + ["G", "", "", ""], ROW[:6] + ["c.", "rất khó", "", ""],
            ROW[:6] + ["D", "3", "", ""]]
    result = formats.parse(_xlsx(rows), "xlsx")
    assert len(result.questions) == 1
    assert [i.location for i in result.issues] == ["hàng 4", "hàng 5", "hàng 6"]
    assert "«G»" in result.issues[0].message
    assert "«rất khó»" in result.issues[1].message
    assert "phương án D trống" in result.issues[2].message


def test_numbers_are_read_as_text_and_difficulty_defaults_to_2():
    header = ["Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Đáp án đúng", "Mức độ"]
    result = formats.parse(_xlsx([header, ["Năm nào?", 2021, 2030.0, 2025, "A", None]]), "xlsx")
    assert result.questions[0].options == ["2021", "2030", "2025"]
    assert result.questions[0].difficulty == 2


def test_missing_required_columns_are_named():
    result = formats.parse(_xlsx([["Câu hỏi", "Phương án A", "Mức độ"], ["Câu?", "Có", "1"]]), "xlsx")
    assert result.file_error.startswith("Hàng tiêu đề thiếu cột bắt buộc")
    assert "«Phương án B»" in result.file_error and "«Đáp án đúng»" in result.file_error


def test_difficulty_words_and_numbers():
    values = {"Dễ": 1, "trung bình": 2, "KHÓ": 3, "2": 2, "": 2}
    rows = [["Câu hỏi", "Phương án A", "Phương án B", "Đáp án đúng", "Mức độ"]]
    rows += [[f"Câu {i}?", "Có", "Không", "A", word] for i, word in enumerate(values)]
    result = formats.parse(_xlsx(rows), "xlsx")
    assert [q.difficulty for q in result.questions] == list(values.values())


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters_are_sniffed(delimiter):
    text = "\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in row) for row in (HEADER, ROW))
    result = _csv(text)
    assert result.ok and result.questions[0].options[1] == "Chính phủ"


def test_csv_with_bom_and_multiline_cell():
    text = "\ufeff" + ",".join(HEADER) + '\r\nThể chế,"Câu hỏi\r\nhai dòng?",Có,Không,,,A,,,\r\n'
    result = _csv(text)
    assert result.questions[0].text == "Câu hỏi hai dòng?" and result.questions[0].location == "hàng 2"


def test_csv_in_legacy_encoding_is_refused_with_advice():
    data = _windows_1258("Câu hỏi,Phương án A,Phương án B,Đáp án đúng\nCơ quan nào ban hành?,Quốc hội,Chính phủ,B\n")
    result = formats.parse(data, "csv")
    assert result.file_error.startswith("Tệp CSV không ở mã UTF-8 (có thể là Windows-1258 hoặc TCVN3)")
    assert "hãy lưu lại với UTF-8" in result.file_error and not result.questions


def test_csv_header_only_reports_no_questions():
    assert "Không tìm thấy câu hỏi" in _csv(",".join(HEADER) + "\n").file_error


# ---------------------------------------------------------------- bad Excel files


def _formula(workbook):
    workbook.active["C5"] = "=A1&B1"


def _merged(workbook):
    workbook.active.merge_cells("C2:D2")


def _hidden(workbook):
    workbook.create_sheet("Nháp").sheet_state = "hidden"


def _two_sheets(workbook):
    workbook.create_sheet("Thêm").append(HEADER)


BAD_WORKBOOKS = [
    (_formula, "ô C5 chứa công thức"),
    (_merged, "ô gộp (merge) tại C2:D2"),
    (_hidden, "trang tính ẩn («Nháp»)"),
    (_two_sheets, "nhiều trang tính chứa dữ liệu"),
]


@pytest.mark.parametrize("build,message", BAD_WORKBOOKS)
def test_odd_workbooks_are_refused_with_a_clear_message(build, message):
    rows = [HEADER, ROW, ROW, ROW, ROW]
    result = formats.parse(_xlsx(rows, build), "xlsx")
    assert message in result.file_error and not result.questions


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _lying_bomb() -> bytes:
    """A member of 60 MB of zeros whose headers claim 1000 bytes."""
    data = bytearray(_zip({"xl/workbook.xml": b"\0" * 60 * 1024 * 1024}))
    struct.pack_into("<I", data, 22, 1000)  # local header: uncompressed size
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 1000)  # central directory: uncompressed size
    return bytes(data)


BAD_FILES = [
    (b"", "rỗng"),
    (os.urandom(4096), "sai loại tệp"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "đặt mật khẩu"),
    (b"PK\x03\x04" + os.urandom(300), "bị hỏng"),
    (_xlsx([HEADER, ROW])[:-200], "bị hỏng"),
    (_zip({"ghi-chu.txt": b"xin chao"}), "không phải bảng tính Excel"),
    (_zip({"xl/workbook.xml": b"a" * 60 * 1024 * 1024}), "zip bomb"),
    (_zip({"xl/workbook.xml": b"<x/>", "xl/big.xml": b"b" * 5 * 1024 * 1024}), "zip bomb"),
    (_lying_bomb(), "bị hỏng"),
]


@pytest.mark.parametrize("data,message", BAD_FILES, ids=[
    "empty", "random-bytes", "ole2-password", "corrupt-zip", "truncated-xlsx", "zip-not-xlsx", "bomb-total",
    "bomb-ratio", "bomb-lying-size"])
def test_bad_excel_files_are_refused(data, message):
    result = formats.parse(data, "xlsx")
    assert message in result.file_error and not result.questions


def test_corrupted_member_data_is_reported_as_damaged():
    data = bytearray(_xlsx([HEADER, ROW]))
    start = data.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    data[start + 10:start + 40] = os.urandom(30)
    assert "bị hỏng" in formats.parse(bytes(data), "xlsx").file_error


# ---------------------------------------------------------------- template


def test_template_has_headers_example_widths_and_guide():
    workbook = load_workbook(io.BytesIO(tabular.template_xlsx()))
    sheet, guide = workbook.worksheets
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.column_dimensions["B"].width >= 50
    assert guide.title == "Hướng dẫn"
    explained = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert all(header in explained for header in ("Câu hỏi", "Đáp án đúng", "Mức độ", "Phương án E"))


def test_template_example_row_imports():
    result = formats.parse(tabular.template_xlsx(), "xlsx")
    assert result.ok and len(result.questions) == 1


def test_exported_text_starting_with_equals_stays_text():
    draft = QuestionDraft("=1+1 bằng mấy?", ["=2", "-3", "+4"], 0)
    for fmt in ("xlsx", "csv"):
        result = formats.parse(formats.export([draft], fmt), fmt)
        assert result.ok, fmt
        assert (result.questions[0].text, result.questions[0].options) == (draft.text, draft.options)
    assert b"'=2" in formats.export([draft], "csv")
