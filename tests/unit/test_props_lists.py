"""Property tests of the organisers' list imports (contestants, areas, units): any file is answered in Vietnamese,
and every row that passes the checks is a usable record."""
from __future__ import annotations

from datetime import date

from hypothesis import event, given, settings
from hypothesis import strategies as st

from quizapp.domain.formats import org_lists, roster, sheets
from tests.strategies import clean_text, encoded, messy_text, vietnamese_message
from tests.unit.test_props_formats import cell_value, fake_xlsx, workbook_bytes

TODAY = date(2026, 11, 18)
FILENAMES = ("danh-sach.xlsx", "danh-sach.csv", "danh-sach.txt", "", "danh-sach.pdf", "DANH-SACH.CSV")
LAYOUTS = {"roster": roster.LAYOUT, "areas": org_lists.AREA_LAYOUT, "units": org_lists.UNIT_LAYOUT}


def _read(kind: str, data: bytes, filename: str) -> sheets.SheetFile:
    if kind == "roster":
        return roster.parse(data, filename)
    return org_lists.parse_areas(data, filename) if kind == "areas" else org_lists.parse_units(data, filename)


def _check(kind: str, parsed: sheets.SheetFile) -> None:
    """The file's error, or every row's problems, are Vietnamese; rows that pass give complete records."""
    assert isinstance(parsed, sheets.SheetFile)
    event(f"file error: {parsed.file_error[:25]}" if parsed.file_error else "rows read")
    if parsed.file_error:
        assert vietnamese_message(parsed.file_error), parsed.file_error
        return
    if kind == "roster":
        for row in parsed.rows:
            checked, problems = roster.check_row(row, TODAY)
            assert all(vietnamese_message(p.message) for p in problems), problems
            assert (checked is None) == bool(problems)
            event("row accepted" if checked else "row refused")
            if checked:
                assert len(checked.person.cccd) == 12 and len(checked.person.phone) == 10
                assert checked.category in ("official", "citizen")
        checked_rows = [c for c in (roster.check_row(r, TODAY)[0] for r in parsed.rows) if c]
        for problems in roster.repeated_in_file(checked_rows).values():
            assert all(vietnamese_message(p.message) for p in problems)
        return
    if kind == "areas":
        records, problems = org_lists.check_areas(parsed.rows)
        assert all(r.level in org_lists.LEVEL_RANK for r in records)
    else:
        records, problems = org_lists.check_units(parsed.rows, area_codes={"08", "00001"})
        assert all(r.kind in org_lists.KIND_LABELS for r in records)
    assert all(vietnamese_message(p.message) for p in problems), problems
    assert len({r.code for r in records}) == len(records)  # a code is never taken twice


@given(kind=st.sampled_from(sorted(LAYOUTS)), data=st.binary(max_size=3000), filename=st.sampled_from(FILENAMES))
def test_any_bytes_are_answered_in_vietnamese(kind, data, filename):
    _check(kind, _read(kind, data, filename))


@st.composite
def csv_list(draw, kind: str) -> str:
    layout = LAYOUTS[kind]
    # Mostly the template's own headers (shuffled, some respelt or spoilt), so that rows get read and checked.
    header = draw(st.permutations(list(layout.headers.values())))
    spellings = {h: [a for a, k in layout.aliases.items() if layout.headers[k] == h] for h in header}
    header = [draw(st.sampled_from(spellings[h])) if spellings[h] and draw(st.booleans()) else h for h in header]
    header = [draw(messy_text) if draw(st.integers(0, 19)) == 0 else h for h in header]
    values = st.one_of(messy_text, clean_text, st.sampled_from(
        ["Nam", "Nữ", "nu", "17/05/1990", "1990-05-17", "31/02/2000", "001090012345", "046301005678", "0912345678",
         "+84 912 345 678", "1e20", "99999999999999999999", "08", "00001", "SNV", "Tỉnh", "Xã", "Huyện", "Cơ quan",
         "UBND xã", "Người dân", "Cán bộ", "12.345", "-3", ""]))
    good = {"full_name": "Nguyễn Văn An", "birth_date": "17/05/1990", "gender": "Nam", "cccd": "001090012345",
            "phone": "0912345678", "email": "an@example.com", "area_code": "00001", "unit_code": "SNV",
            "category": "", "code": "SNV", "name": "Sở Nội vụ", "kind": "Cơ quan", "block": "", "parent": "",
            "area": "08", "staff": "70", "level": "Tỉnh", "population": "850000"}

    def near_valid() -> list[str]:  # a good row with a field or two replaced
        return [draw(values) if draw(st.integers(0, 7)) == 0 else good.get(layout.key_of(h) or "", "")
                for h in header]

    rows = [header] + [near_valid() if draw(st.booleans()) else draw(st.lists(values, max_size=12))
                       for _ in range(draw(st.integers(0, 6)))]
    sep = draw(st.sampled_from([",", ";", "\t"]))
    return "\n".join(sep.join(f'"{v.replace(chr(34), chr(34) * 2)}"' if sep in v or '"' in v else v for v in row)
                     for row in rows)


@given(kind=st.sampled_from(sorted(LAYOUTS)), data=st.data())
def test_near_valid_csv_lists_are_answered_in_vietnamese(kind, data):
    text = data.draw(csv_list(kind))
    _check(kind, _read(kind, data.draw(encoded(text)), data.draw(st.sampled_from(("a.csv", "a.txt", "")))))


@settings(max_examples=50)
@given(kind=st.sampled_from(sorted(LAYOUTS)), data=st.data())
def test_any_workbook_list_is_answered_in_vietnamese(kind, data):
    headers = list(LAYOUTS[kind].headers.values())
    workbook = data.draw(st.one_of(workbook_bytes(headers), fake_xlsx()))
    _check(kind, _read(kind, workbook, "a.xlsx"))


@given(value=cell_value, key=st.sampled_from(["cccd", "phone", "code", "parent", "area", "full_name"]))
def test_cells_always_read_as_clean_text(value, key):
    for read in (roster._cell, org_lists._code):
        text = read(value, key)
        assert isinstance(text, str) and text == text.strip()
