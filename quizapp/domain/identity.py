"""Identity normalisation for one-person-one-entry: CCCD, phone, name, masking, likely duplicates."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from .errors import DomainError
from .text import fold_accents, normalize_text

# Digits 1–3 of a CCCD: province where the birth was registered (Thông tư 59/2021/TT-BCA). The 63
# pre-2025 provinces: numbers already issued keep these codes after the 2025 merger.
PROVINCE_CODES = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu",
    "079": "TP Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh",
    "086": "Vĩnh Long", "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

# Digit 4 of a CCCD: century of birth -> digit for men (women: digit + 1).
CENTURY_DIGITS = {1900: 0, 2000: 2, 2100: 4, 2200: 6, 1800: 8}
GENDERS = ("nam", "nu")
GENDER_LABELS = {"nam": "nam", "nu": "nữ"}

_SEPARATORS = re.compile(r"[\s.\-]+")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]+")
_MOBILE = re.compile(r"0[35789]\d{8}")
_WORD_START = re.compile(r"(^|[\s'’\-])(\w)")


def _cccd_error(message: str) -> DomainError:
    return DomainError(message, code="invalid_cccd")


def normalize_cccd(raw: str) -> str:
    """The 12 digits of a CCCD number, spaces, dots and dashes removed."""
    value = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))  # NFKC: full-width digits
    if not value:
        raise _cccd_error("Vui lòng nhập số căn cước công dân (CCCD).")
    if not re.fullmatch(r"[0-9]+", value):
        raise _cccd_error("Số CCCD chỉ gồm các chữ số.")
    if len(value) != 12:
        raise _cccd_error(f"Số CCCD phải gồm đúng 12 chữ số (số đã nhập có {len(value)} chữ số).")
    return value


def _gender_digit(birth_year: int, gender: str) -> int:
    century = CENTURY_DIGITS.get(birth_year // 100 * 100)
    if century is None:
        raise _cccd_error(f"Năm sinh {birth_year} không hợp lệ.")
    return century + (0 if gender == "nam" else 1)


def _describe_digit(digit: int) -> str:
    gender = "nữ" if digit % 2 else "nam"
    century = next(c for c, d in CENTURY_DIGITS.items() if d == digit - digit % 2)
    return f"giới tính {gender}, sinh trong khoảng {century}–{century + 99}"


def validate_cccd(cccd: str, birth_date: date, gender: str) -> None:
    """Raise DomainError unless the CCCD's province, gender/century and year digits fit the declared data."""
    if gender not in GENDERS:
        raise ValueError(f"gender must be one of {GENDERS}, got {gender!r}")
    if not re.fullmatch(r"[0-9]{12}", cccd or ""):
        raise _cccd_error("Số CCCD phải gồm đúng 12 chữ số.")
    if cccd[:3] not in PROVINCE_CODES:
        raise _cccd_error(
            f"Ba chữ số đầu của CCCD ({cccd[:3]}) không phải mã tỉnh, thành phố nơi đăng ký khai sinh hợp lệ."
        )
    expected, actual = _gender_digit(birth_date.year, gender), int(cccd[3])
    if actual != expected:
        raise _cccd_error(
            f"Chữ số thứ 4 của CCCD ({actual}) ứng với {_describe_digit(actual)}, không khớp với giới tính "
            f"{GENDER_LABELS[gender]} và năm sinh {birth_date.year} đã khai."
        )
    if cccd[4:6] != f"{birth_date.year % 100:02d}":
        raise _cccd_error(
            f"Chữ số thứ 5–6 của CCCD ({cccd[4:6]}) phải là hai số cuối của năm sinh "
            f"({birth_date.year % 100:02d}); vui lòng kiểm tra lại số CCCD hoặc ngày sinh."
        )


def _phone_error(message: str) -> DomainError:
    return DomainError(message, code="invalid_phone")


def normalize_phone(raw: str) -> str:
    """A Vietnamese mobile number in the canonical 10-digit form, e.g. "+84 912 345 678" -> "0912345678"."""
    value = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if not value:
        raise _phone_error("Vui lòng nhập số điện thoại di động.")
    international = value.startswith(("+", "00"))
    value = value.removeprefix("+").removeprefix("00") if international else value
    if not re.fullmatch(r"[0-9]+", value):
        raise _phone_error("Số điện thoại chỉ gồm các chữ số.")
    if international and not value.startswith("84"):
        raise _phone_error("Chỉ chấp nhận số điện thoại di động Việt Nam (mã quốc gia +84).")
    if value.startswith("84") and len(value) in (11, 12):  # "84 912…" and "+84 0912…" both seen in forms
        value = "0" + value[2:].removeprefix("0")
    if not _MOBILE.fullmatch(value):
        raise _phone_error(
            "Số điện thoại di động phải gồm 10 chữ số và bắt đầu bằng 03, 05, 07, 08 hoặc 09 "
            "(ví dụ 0912 345 678)."
        )
    return value


def normalize_name(raw: str) -> str:
    """Full name in NFC, single-spaced, each word capitalised ("nguyễn  văn an" -> "Nguyễn Văn An")."""
    value = normalize_text(raw)
    if not value:
        raise DomainError("Vui lòng nhập họ và tên.", code="invalid_name")
    if any(ch.isdigit() for ch in value):
        raise DomainError("Họ và tên không được chứa chữ số.", code="invalid_name")
    # Also capitalise after an apostrophe or hyphen: Ê Đê and Gia Rai names are written "H'Hen Niê".
    return _WORD_START.sub(lambda m: m.group(1) + m.group(2).upper(), value.lower())


def name_key(name: str) -> str:
    """Accent-folded lower-case name for duplicate matching ("Nguyễn Văn Đức" -> "nguyen van duc")."""
    folded = fold_accents(name).replace("'", "").replace("’", "").replace("-", " ")
    return " ".join(folded.split())


def mask_digits(value: str, keep_start: int = 1, keep_end: int = 2) -> str:
    """Hide the digits of a phone or ID except the first and last few ("0912345623" -> "0*******23").

    Other characters are kept. If there are too few digits to hide any, all digits are hidden.
    """
    if keep_start < 0 or keep_end < 0:
        raise ValueError("keep_start and keep_end must not be negative")
    positions = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(positions) <= keep_start + keep_end:
        hidden = set(positions)
    else:
        hidden = set(positions[keep_start : len(positions) - keep_end])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(value))


@dataclass(frozen=True)
class PersonKey:
    """What duplicate detection needs to know about one registered person (CCCD and phone normalised)."""

    id: int
    name: str
    birth_date: date
    cccd: str
    phone: str
    area_code: str | None


def _duplicate_reason(a: PersonKey, b: PersonKey) -> str | None:
    """Why a and b (same name key and birth date) look like one person, or None if they are identical."""
    same_area = a.area_code is not None and a.area_code == b.area_code
    checks = (("số CCCD", a.cccd == b.cccd), ("số điện thoại", a.phone == b.phone))
    shared = [label for label, same in checks if same]
    differ = [label for label, same in checks if not same]
    if not differ:
        return None  # same CCCD and phone: an exact duplicate, which unique constraints already stop
    parts = ["Trùng họ tên và ngày sinh"] + (["cùng địa bàn"] if same_area else [])
    parts += [f"cùng {label}" for label in shared] + [f"khác {' và '.join(differ)}"]
    if same_area or shared:
        return ", ".join(parts) + ": nhiều khả năng là một người đăng ký nhiều lần."
    return ", ".join(parts) + ": có thể chỉ trùng tên, cần kiểm tra."


def likely_duplicates(people: list[PersonKey]) -> list[tuple[int, int, str]]:
    """Pairs (lower id, higher id, reason) with the same name key and birth date but another CCCD or phone."""
    groups: dict[tuple[str, date], list[PersonKey]] = defaultdict(list)
    for person in people:
        groups[(name_key(person.name), person.birth_date)].append(person)
    pairs = []
    for group in groups.values():  # groups are small, so comparing within a group is cheap
        for a, b in combinations(sorted(group, key=lambda p: p.id), 2):
            reason = _duplicate_reason(a, b)
            if reason:
                pairs.append((a.id, b.id, reason))
    return sorted(pairs)


# ---------------------------------------------------------------- one person's identity, checked as a whole


@dataclass(frozen=True)
class Person:
    """Identity data after normalisation and checks."""

    name: str
    birth_date: date
    gender: str
    cccd: str
    phone: str


@dataclass(frozen=True)
class IdentityProblem:
    field: str  # "full_name", "birth_date", "gender", "cccd" or "phone"
    code: str
    message: str


def age_on(born: date, today: date) -> int:
    """Age in whole years on `today`."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_identity(full_name: str, birth_date: date | None, gender: str, cccd: str, phone: str, today: date,
                   min_age: int = 18) -> tuple[Person | None, list[IdentityProblem]]:
    """Normalise and check one person (registration and imports alike): the Person, or every problem found."""
    problems = []
    if birth_date is None:
        problems.append(IdentityProblem("birth_date", "birth_date", "Vui lòng nhập ngày sinh."))
    elif age_on(birth_date, today) < min_age:
        problems.append(IdentityProblem("birth_date", "too_young", f"Người dự thi phải từ đủ {min_age} tuổi trở lên."))
    values = {}
    for name, fn, raw in (("full_name", normalize_name, full_name), ("cccd", normalize_cccd, cccd),
                          ("phone", normalize_phone, phone)):
        try:
            values[name] = fn(raw)
        except DomainError as e:
            problems.append(IdentityProblem(name, e.code, e.message))
    if gender not in GENDERS:
        problems.append(IdentityProblem("gender", "gender", "Vui lòng chọn giới tính."))
    elif "cccd" in values and birth_date is not None:
        try:
            validate_cccd(values["cccd"], birth_date, gender)
        except DomainError as e:
            problems.append(IdentityProblem("cccd", e.code, e.message))
    if problems:
        return None, problems
    return Person(values["full_name"], birth_date, gender, values["cccd"], values["phone"]), []
