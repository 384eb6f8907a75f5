"""Formula injection: a text typed by a contestant or an organiser never runs as a formula in a file we write.

Each payload is opened the way a spreadsheet would: a CSV cell must start with "'" (shown as text), an .xlsx
cell must be a string, not a formula. Numbers (negative ones too) and dates keep their types.
"""
import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from quizapp.domain import item_stats, personal_data
from quizapp.domain.formats import cells, org_lists, roster
from quizapp.domain.results import ORGANIZER_COLUMNS, PUBLIC_COLUMNS, ResultRow, to_csv, to_xlsx
from quizapp.services import item_stats as item_stats_service

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HYPERLINK = '=HYPERLINK("http://evil.example","Click")'
# OWASP's leading characters, each with a payload a spreadsheet would run or evaluate.
PAYLOADS = [HYPERLINK, "=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0",
            "'=1+1", "-2", "+84912345678"]
SAFE = ["Nguyễn Thị Hoa", "", "a=b", "0912345678", "H'Hen Niê", "Sở A - Phòng 1", "1+1"]

ROW = ResultRow(rank=1, prize="first", full_name=HYPERLINK, track="@Người dân", area_code="+19030",
                area_name="-Phường Đông", unit_name="=Sở A", correct=20, total=20, score=100.0, prediction=-3,
                prediction_error=-1, duration_ms=301_250,
                submitted_at=datetime(2026, 11, 10, 2, 15, 3, tzinfo=UTC), attempt_id=981)


@pytest.mark.parametrize("value", PAYLOADS)
def test_a_formula_like_text_gets_an_apostrophe_in_csv(value):
    assert cells.csv_text(value) == "'" + value


@pytest.mark.parametrize("value", SAFE)
def test_ordinary_text_is_written_as_it_is(value):
    assert cells.csv_text(value) == value


def test_numbers_are_not_texts_and_stay_as_they_are():
    assert cells.csv_row([-1, -0.25, 3, None, "-1"]) == [-1, -0.25, 3, None, "'-1"]


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("columns", [ORGANIZER_COLUMNS, PUBLIC_COLUMNS])
def test_results_csv_neutralises_every_text_column_and_keeps_negative_numbers(columns):
    header, row = _csv(to_csv([ROW], columns, VN))
    values = dict(zip(header, row))
    assert values["Họ và tên"] == "'" + HYPERLINK
    assert values["Đối tượng/Bảng"] == "'@Người dân"
    assert values["Dự đoán"] == "-3" and values["Chênh lệch dự đoán"] == "-1"  # numbers, not texts
    if columns is ORGANIZER_COLUMNS:
        assert values["Mã xã, phường"] == "'+19030" and values["Đơn vị"] == "'=Sở A"
        assert values["Xã, phường"] == "'-Phường Đông"
    else:
        assert values["Đơn vị hoặc xã, phường"] == "'=Sở A"
    for value in row:
        assert not value.startswith(("=", "+", "@")), value


def _formulas(data: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for r in ws.iter_rows() for c in r
            if c.data_type == "f"]


@pytest.mark.parametrize("columns", [ORGANIZER_COLUMNS, PUBLIC_COLUMNS])
def test_results_xlsx_stores_texts_as_strings_and_numbers_as_numbers(columns):
    data = to_xlsx([ROW], columns, VN)
    assert _formulas(data) == []
    ws = load_workbook(io.BytesIO(data)).active
    values = {ws.cell(1, i).value: ws.cell(2, i) for i in range(1, len(columns) + 1)}
    assert values["Họ và tên"].value == HYPERLINK and values["Họ và tên"].data_type == "s"
    assert values["Dự đoán"].value == -3 and values["Dự đoán"].data_type == "n"
    assert values["Chênh lệch dự đoán"].value == -1
    assert isinstance(values["Nộp bài lúc"].value, datetime)


def test_personal_data_workbook_keeps_the_persons_texts_as_texts():
    export = {"account": {"full_name": HYPERLINK, "cccd": "001190000123", "birth_date": date(1990, 1, 2)},
              "requests": [{"kind": "correction", "message": "=1+1", "created_at": datetime(2026, 1, 1)}],
              "attempts": [{"round": "+Tuần 1", "score": -0.5, "correct": 3}]}
    data = personal_data.to_xlsx(export)
    assert _formulas(data) == []
    wb = load_workbook(io.BytesIO(data))
    assert wb["Tài khoản"]["A2"].value == HYPERLINK
    assert wb["Yêu cầu của bạn"]["C2"].value == "=1+1"
    score = next(c for c in wb["Lượt thi"][2] if c.value == -0.5)
    assert score.data_type == "n"


def _items(text: str, option: str):
    shares = [item_stats.OptionShare(i, "AB"[i], i == 0, 5, 0.5, 0.5, 0.5) for i in range(2)]
    stat = item_stats.ItemStat("q", 10, 10, 5, 0.5, -0.25, -0.1, shares, 0.0, 3)
    row = item_stats_service.ItemRow(1, text, "@Chủ đề", "-Q1", [option, "B"], stat)
    return item_stats_service.RoundItems(SimpleNamespace(number=1), None, [row])


def test_item_statistics_csv_and_xlsx_neutralise_question_texts_and_keep_negative_figures():
    items = _items(HYPERLINK, "=1+1")
    data, name = item_stats_service.export(items, "csv")
    header, row = _csv(data)
    values = dict(zip(header, row))
    assert name.endswith(".csv")
    assert values["Câu hỏi"] == "'" + HYPERLINK and values["Chủ đề"] == "'@Chủ đề" and values["Mã câu hỏi"] == "'-Q1"
    assert values["Phương án A"] == "'=1+1"
    assert values["Độ phân biệt (nhóm 27%)"] == "-0.25"  # a number: no apostrophe
    data, _ = item_stats_service.export(items, "xlsx")
    assert _formulas(data) == []
    ws = load_workbook(io.BytesIO(data)).active
    row = {ws.cell(1, i).value: ws.cell(2, i) for i in range(1, ws.max_column + 1)}
    assert row["Câu hỏi"].value == HYPERLINK
    assert row["Độ phân biệt (nhóm 27%)"].value == -0.25 and row["Độ phân biệt (nhóm 27%)"].data_type == "n"


@pytest.mark.parametrize("make", [roster.template_xlsx, org_lists.areas_template, org_lists.units_template])
def test_import_templates_hold_no_formula(make):
    assert _formulas(make()) == []


def test_a_bank_export_still_round_trips_a_question_that_starts_with_a_sign():
    from quizapp.domain.formats import tabular
    from quizapp.domain.questions import QuestionDraft

    draft = QuestionDraft(text="-5 độ C là nhiệt độ gì?", options=["=A", "+B", "@C"], correct_index=0)
    data = tabular.export_csv([draft])
    assert "'-5 độ C" in data.decode("utf-8-sig")
    back = tabular.parse_csv(data).questions[0]
    assert (back.text, back.options) == (draft.text, draft.options)
