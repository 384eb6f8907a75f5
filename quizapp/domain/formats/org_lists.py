"""Lists of areas (a custom or legacy area tree) and of units (agencies, communes' committees) that organisers
import from xlsx or CSV, read and checked row by row. What needs the database (codes already there) is the
service's; this module checks each row and the tree the file describes.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from quizapp.domain.contest_setup import AreaDef, UnitDef
from quizapp.domain.formats import sheets
from quizapp.domain.text import fold_accents

AREA_HEADERS = {"code": "Mã địa bàn", "name": "Tên địa bàn", "parent": "Mã địa bàn cấp trên", "level": "Cấp",
                "population": "Số người"}
UNIT_HEADERS = {"code": "Mã đơn vị", "name": "Tên đơn vị", "kind": "Loại đơn vị", "block": "Khối",
                "parent": "Mã đơn vị cấp trên", "area": "Mã địa bàn", "staff": "Số cán bộ, công chức, viên chức"}
AREA_LAYOUT = sheets.Layout(AREA_HEADERS, ("code", "name", "level"), {
    "ma": "code", "ma dia ban": "code", "ma don vi hanh chinh": "code", "ten": "name", "ten don vi hanh chinh": "name",
    "ma cap tren": "parent", "ma tinh/huyen cap tren": "parent", "cap hanh chinh": "level",
    "dan so": "population", "so dan": "population", "so doi tuong": "population"}, what="địa bàn")
UNIT_LAYOUT = sheets.Layout(UNIT_HEADERS, ("code", "name"), {
    "ma": "code", "ten": "name", "loai": "kind", "khoi thi dua": "block", "ma cap tren": "parent",
    "ma xa/phuong": "area", "ma xa, phuong": "area", "bien che": "staff", "so can bo": "staff",
    "so cbccvc": "staff", "so nguoi": "staff"}, what="đơn vị")

LEVELS = {"tinh": "province", "thanh pho truc thuoc trung uong": "province", "province": "province",
          "huyen": "district", "quan": "district", "thi xa": "district", "thanh pho thuoc tinh": "district",
          "district": "district", "xa": "commune", "phuong": "commune", "thi tran": "commune", "dac khu": "commune",
          "commune": "commune"}
LEVEL_RANK = {"province": 0, "district": 1, "commune": 2}
LEVEL_LABELS = {"province": "Tỉnh, thành phố", "district": "Huyện, thị xã, thành phố thuộc tỉnh (cũ)",
                "commune": "Xã, phường, đặc khu"}
KINDS = {"co quan": "agency", "so": "agency", "ban": "agency", "nganh": "agency", "agency": "agency",
         "ubnd xa": "commune_committee", "ubnd": "commune_committee", "uy ban nhan dan": "commune_committee",
         "commune_committee": "commune_committee", "khac": "other", "other": "other"}
KIND_LABELS = {"agency": "Cơ quan, đơn vị", "commune_committee": "UBND xã, phường", "other": "Khác"}

AREA_EXAMPLE = ["08", "Tỉnh Tuyên Quang", "", "Tỉnh", "850000"]
UNIT_EXAMPLE = ["SNV", "Sở Nội vụ", "Cơ quan", "Khối sở, ban, ngành", "", "08", "70"]
AREA_GUIDE = [
    "Mỗi hàng là một địa bàn. Bắt buộc: Mã địa bàn, Tên địa bàn, Cấp (Tỉnh, Huyện, Xã; cũng nhận Quận, Thị xã, Phường...).",
    "Mã địa bàn cấp trên: mã của địa bàn chứa nó (để trống với tỉnh). Địa bàn cấp trên phải có trong tệp hoặc đã có.",
    "Số người: số người thuộc đối tượng dự thi của địa bàn, để tính tỷ lệ tham gia (có thể để trống, nhập sau).",
    "Dùng tệp này cho địa giới cũ (huyện → xã) hoặc cách chia riêng; địa giới hiện hành có thể nạp sẵn theo tỉnh.",
    "Tệp chỉ được nhập khi mọi hàng đều hợp lệ. Hàng ví dụ (Tỉnh Tuyên Quang) được nhận ra và bỏ qua.",
]
UNIT_GUIDE = [
    "Mỗi hàng là một đơn vị. Bắt buộc: Mã đơn vị, Tên đơn vị.",
    "Loại đơn vị: Cơ quan, UBND xã hoặc Khác. Khối: nhóm xếp giải tập thể (ví dụ «Khối sở, ban, ngành»).",
    "Mã đơn vị cấp trên: để trống nếu không có. Mã địa bàn: mã xã/phường hoặc tỉnh của đơn vị (không bắt buộc).",
    "Số cán bộ, công chức, viên chức: để tính tỷ lệ tham gia của đơn vị (có thể để trống, nhập sau).",
    "Tệp chỉ được nhập khi mọi hàng đều hợp lệ. Hàng ví dụ (Sở Nội vụ, mã SNV) được nhận ra và bỏ qua.",
]


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # header ("" for the row)
    message: str


def _code(value, _key: str) -> str:
    """Codes typed as numbers lose their leading zeros in Excel: official codes have 2 (province) or 5 digits."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        digits = str(int(value))
        if _key in ("code", "parent", "area") and len(digits) in (1, 4):
            return digits.zfill(len(digits) + 1)
        return digits
    return sheets.text(value)


def parse_areas(data: bytes, filename: str) -> sheets.SheetFile:
    parsed = sheets.parse(data, filename, AREA_LAYOUT, _code)
    return _without_example(parsed, dict(zip(AREA_HEADERS, AREA_EXAMPLE)), "địa bàn")


def parse_units(data: bytes, filename: str) -> sheets.SheetFile:
    parsed = sheets.parse(data, filename, UNIT_LAYOUT, _code)
    return _without_example(parsed, dict(zip(UNIT_HEADERS, UNIT_EXAMPLE)), "đơn vị")


def _without_example(parsed: sheets.SheetFile, example: dict, what: str) -> sheets.SheetFile:
    parsed.rows = [r for r in parsed.rows if {k: v for k, v in r.values.items() if v} != {k: v for k, v in example.items() if v}]
    if not parsed.file_error and not parsed.rows:
        parsed.file_error = f"Tệp chỉ có hàng tiêu đề (và hàng ví dụ của tệp mẫu), chưa có {what} nào."
    return parsed


def _count(raw: str, header: str, row: int, problems: list[RowProblem]) -> int | None:
    value = raw.replace(".", "").replace(",", "").replace(" ", "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        problems.append(RowProblem(row, header, f"«{raw}» không phải số nguyên không âm."))
        return None
    return int(value)


def check_areas(rows: list[sheets.SheetRow], existing: Collection[str] = ()) -> tuple[list[AreaDef], list[RowProblem]]:
    """Each row checked; parents must come from the file or the contest's tree, levels go downwards."""
    out, problems, levels = [], [], {}
    for r in rows:
        mine: list[RowProblem] = []
        code, name, parent = r.get("code"), r.get("name"), r.get("parent") or None
        level = LEVELS.get(fold_accents(r.get("level")))
        if not code or len(code) > 16 or " " in code:
            mine.append(RowProblem(r.row, AREA_HEADERS["code"], "Mã địa bàn trống, có dấu cách hoặc dài quá 16 ký tự."))
        elif code in levels:
            mine.append(RowProblem(r.row, AREA_HEADERS["code"], f"Mã «{code}» trùng với một hàng phía trên."))
        if not name or len(name) > 200:
            mine.append(RowProblem(r.row, AREA_HEADERS["name"], "Tên địa bàn trống hoặc dài quá 200 ký tự."))
        if level is None:
            mine.append(RowProblem(r.row, AREA_HEADERS["level"], f"Cấp «{r.get('level')}» không hợp lệ; hãy ghi Tỉnh, Huyện hoặc Xã."))
        if parent is not None and parent not in levels and parent not in existing:
            mine.append(RowProblem(r.row, AREA_HEADERS["parent"], f"Không có địa bàn cấp trên mã «{parent}» (trong tệp, "
                                                                  "ở các hàng phía trên, hoặc đã có trong cuộc thi)."))
        elif parent in levels and level and LEVEL_RANK[levels[parent]] >= LEVEL_RANK[level]:
            mine.append(RowProblem(r.row, AREA_HEADERS["level"], "Địa bàn phải thấp cấp hơn địa bàn cấp trên của nó."))
        population = _count(r.get("population"), AREA_HEADERS["population"], r.row, mine)
        problems += mine
        if not mine:
            levels[code] = level
            out.append(AreaDef(code, name, level, parent, population))
    return out, problems


def check_units(rows: list[sheets.SheetRow], area_codes: Collection[str],
                existing: Collection[str] = ()) -> tuple[list[UnitDef], list[RowProblem]]:
    """Each row checked: kind, parent (from the file or the contest), area (of the contest), staff count."""
    out, problems, seen = [], [], set()
    for r in rows:
        mine: list[RowProblem] = []
        code, name = r.get("code"), r.get("name")
        kind = KINDS.get(fold_accents(r.get("kind")) or "co quan")
        parent, area = r.get("parent") or None, r.get("area") or None
        if not code or len(code) > 40 or " " in code:
            mine.append(RowProblem(r.row, UNIT_HEADERS["code"], "Mã đơn vị trống, có dấu cách hoặc dài quá 40 ký tự."))
        elif code in seen:
            mine.append(RowProblem(r.row, UNIT_HEADERS["code"], f"Mã «{code}» trùng với một hàng phía trên."))
        if not name or len(name) > 255:
            mine.append(RowProblem(r.row, UNIT_HEADERS["name"], "Tên đơn vị trống hoặc dài quá 255 ký tự."))
        if kind is None:
            mine.append(RowProblem(r.row, UNIT_HEADERS["kind"], f"Loại «{r.get('kind')}» không hợp lệ; hãy ghi Cơ quan, UBND xã hoặc Khác."))
        if parent is not None and parent not in seen and parent not in existing:
            mine.append(RowProblem(r.row, UNIT_HEADERS["parent"], f"Không có đơn vị cấp trên mã «{parent}»."))
        if area is not None and area not in area_codes:
            mine.append(RowProblem(r.row, UNIT_HEADERS["area"], f"Không có địa bàn mã «{area}» trong cuộc thi."))
        staff = _count(r.get("staff"), UNIT_HEADERS["staff"], r.row, mine)
        if len(r.get("block")) > 80:
            mine.append(RowProblem(r.row, UNIT_HEADERS["block"], "Tên khối dài quá 80 ký tự."))
        problems += mine
        if not mine:
            seen.add(code)
            out.append(UnitDef(code, name, kind, r.get("block"), parent, area, staff))
    return out, problems


def areas_template() -> bytes:
    return sheets.template(AREA_LAYOUT, AREA_EXAMPLE, AREA_GUIDE, "Địa bàn", text_columns=(1, 3), wide=(2,))


def units_template() -> bytes:
    return sheets.template(UNIT_LAYOUT, UNIT_EXAMPLE, UNIT_GUIDE, "Đơn vị", text_columns=(1, 5, 6), wide=(2, 4, 7))
