"""Contestant lists: reading xlsx/CSV with Vietnamese headers and checking each row like a registration."""
import io
from datetime import date

from openpyxl import Workbook, load_workbook

from quizapp.domain import identity
from quizapp.domain.formats import roster

TODAY = date(2026, 11, 18)
HEADER = "Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Email,Mã xã/phường,Mã đơn vị,Đối tượng"


def csv_file(*rows: str) -> bytes:
    return ("\ufeff" + "\n".join((HEADER,) + rows)).encode("utf-8")


def xlsx_file(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_csv_row_is_read_normalised_and_checked():
    parsed = roster.parse(csv_file("nguyễn  văn   an,17/05/1990,Nam,001 090 012345,+84 912.345.678,,10105,,Người dân"),
                          "ds.csv")
    assert parsed.file_error == "" and len(parsed.rows) == 1
    checked, problems = roster.check_row(parsed.rows[0], TODAY)
    assert problems == []
    assert checked.person == identity.Person("Nguyễn Văn An", date(1990, 5, 17), "nam", "001090012345", "0912345678")
    assert (checked.area_code, checked.category, checked.row) == ("10105", "citizen", 2)


def test_every_problem_of_a_row_is_reported_under_its_column():
    parsed = roster.parse(csv_file("Trần Thị Bình,31/02/1990,Nu,001190012345,12345,khong-email,,,"), "ds.csv")
    checked, problems = roster.check_row(parsed.rows[0], TODAY)
    assert checked is None
    columns = {p.column for p in problems}
    assert columns == {"Ngày sinh", "Số điện thoại", "Email", "Mã xã/phường"}
    assert any("ngày/tháng/năm" in p.message for p in problems)


def test_cccd_must_agree_with_birth_date_and_gender_as_in_registration():
    parsed = roster.parse(csv_file("Lê Văn Cường,01/01/1990,Nam,001191012345,0912345678,,10105,,"), "ds.csv")
    _, problems = roster.check_row(parsed.rows[0], TODAY)
    assert [p.column for p in problems] == ["Số CCCD"] and "Chữ số thứ 4" in problems[0].message


def test_minors_are_refused_as_in_registration():
    parsed = roster.parse(csv_file("Lê Văn Cường,01/01/2010,Nam,001210012345,0912345678,,10105,,"), "ds.csv")
    _, problems = roster.check_row(parsed.rows[0], TODAY)
    assert any("18 tuổi" in p.message for p in problems)


def test_excel_numbers_get_their_leading_zeros_back():
    data = xlsx_file([["Phạm Thị Dung", "05/06/1985", "Nữ", 1185012345, 912345678, None, "10105", "SNV", None]])
    parsed = roster.parse(data, "ds.xlsx")
    checked, problems = roster.check_row(parsed.rows[0], TODAY)
    assert problems == [], problems
    assert (checked.person.cccd, checked.person.phone) == ("001185012345", "0912345678")
    assert checked.category == "official"  # no category given, but a unit code


def test_a_text_cccd_that_lost_its_zeros_gets_a_hint_about_excel():
    parsed = roster.parse(csv_file("Phạm Thị Dung,05/06/1985,Nữ,1185012345,0912345678,,10105,,"), "ds.csv")
    _, problems = roster.check_row(parsed.rows[0], TODAY)
    assert "Văn bản (Text)" in problems[0].message


def test_excel_dates_and_category_words_are_understood():
    from datetime import datetime

    data = xlsx_file([["Hoàng Văn Em", datetime(1979, 12, 1), "nam", "001079000001", "0398765432", "em@x.vn",
                       "10105", "STP", "Cán bộ, công chức, viên chức"]])
    checked, problems = roster.check_row(roster.parse(data, "ds.xlsx").rows[0], TODAY)
    assert problems == [] and checked.person.birth_date == date(1979, 12, 1) and checked.category == "official"


def test_missing_columns_are_named():
    parsed = roster.parse("Họ và tên,Ngày sinh\nAn,01/01/1990\n".encode(), "ds.csv")
    assert "Số CCCD" in parsed.file_error and "Mã xã/phường" in parsed.file_error


def test_the_same_cccd_or_phone_twice_in_a_file_is_an_error_on_the_later_row():
    parsed = roster.parse(csv_file("Nguyễn Văn An,17/05/1990,Nam,001090012345,0912345678,,1,,",
                                   "Nguyễn Văn Ân,17/05/1990,Nam,001090012345,0912345679,,1,,",
                                   "Trần Văn Ba,17/05/1990,Nam,001090012399,0912345678,,1,,"), "ds.csv")
    checked = [roster.check_row(r, TODAY)[0] for r in parsed.rows]
    repeated = roster.repeated_in_file(checked)
    assert sorted(repeated) == [3, 4]
    assert "trùng với hàng 2" in repeated[3][0].message and repeated[4][0].column == "Số điện thoại"


def test_other_file_types_and_broken_files_get_a_clear_message():
    assert "Chỉ nhận" in roster.parse(b"x", "ds.pdf").file_error
    assert roster.parse(b"PK\x03\x04garbage", "ds.xlsx").file_error
    assert roster.parse(b"\n\n", "ds.csv").file_error


def test_the_templates_example_row_is_valid_but_never_imported():
    sheet = load_workbook(io.BytesIO(roster.template_xlsx())).active
    assert [c.value for c in sheet[1]] == list(roster.HEADERS.values())
    example = roster.RosterRow(2, {k: str(v.value) for k, v in zip(roster.HEADERS, sheet[2])})
    checked, problems = roster.check_row(example, TODAY)
    assert problems == [] and checked.person.cccd == "001090012345"
    parsed = roster.parse(roster.template_xlsx(), "mau.xlsx")
    assert parsed.rows == [] and "hàng ví dụ" in parsed.file_error
    sheet.cell(row=3, column=1, value="Trần Thị Bình")
    out = io.BytesIO()
    sheet.parent.save(out)
    assert [r.get("full_name") for r in roster.parse(out.getvalue(), "mau.xlsx").rows] == ["Trần Thị Bình"]


def test_check_identity_collects_every_problem():
    person, problems = identity.check_identity("", None, "x", "123", "abc", TODAY)
    assert person is None
    assert [p.field for p in problems] == ["birth_date", "full_name", "cccd", "phone", "gender"]
