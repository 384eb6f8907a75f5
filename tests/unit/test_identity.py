"""Identity normalisation for one person, one entry."""
import random
from datetime import date

import pytest

from quizapp.domain.errors import DomainError
from quizapp.domain.identity import (
    PROVINCE_CODES,
    PersonKey,
    likely_duplicates,
    mask_digits,
    name_key,
    normalize_cccd,
    normalize_name,
    normalize_phone,
    validate_cccd,
)

# Born in Thừa Thiên Huế (046): a man born 1985, a woman born 2001.
MAN_1985 = "046085001234"
WOMAN_2001 = "046301005678"


# --- CCCD --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["046085001234", " 046 085 001 234 ", "046.085.001.234", "046-085-001234", "０４６０８５００１２３４"]
)
def test_cccd_written_in_common_ways_is_normalised(raw):
    assert normalize_cccd(raw) == MAN_1985


@pytest.mark.parametrize(
    "raw, words",
    [
        ("", "Vui lòng nhập"),
        ("04608500123", "11 chữ số"),
        ("0460850012345", "13 chữ số"),
        ("04608500123A", "chữ số"),
    ],
)
def test_bad_cccd_is_refused(raw, words):
    with pytest.raises(DomainError) as exc:
        normalize_cccd(raw)
    assert exc.value.code == "invalid_cccd" and words in exc.value.message


def test_there_are_63_province_codes():
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["046"] == "Thừa Thiên Huế" and PROVINCE_CODES["079"] == "TP Hồ Chí Minh"


def test_cccd_matching_declared_birth_year_and_gender_is_accepted():
    validate_cccd(MAN_1985, date(1985, 6, 1), "nam")
    validate_cccd(WOMAN_2001, date(2001, 12, 31), "nu")
    validate_cccd("001175000001", date(1975, 1, 1), "nu")  # digit 4 = 1: a woman born 1900–1999
    validate_cccd("079200000001", date(2000, 1, 1), "nam")  # digit 4 = 2: a man born 2000–2099


def test_cccd_gender_digit_must_match_declared_gender():
    with pytest.raises(DomainError) as exc:
        validate_cccd(MAN_1985, date(1985, 6, 1), "nu")
    assert exc.value.code == "invalid_cccd"
    assert "thứ 4" in exc.value.message and "giới tính nam" in exc.value.message and "nữ" in exc.value.message


def test_cccd_century_digit_must_match_declared_birth_year():
    with pytest.raises(DomainError) as exc:
        validate_cccd("046201001234", date(1901, 1, 1), "nam")  # digit 2 = man born 2000–2099
    assert "2000–2099" in exc.value.message


def test_cccd_year_digits_must_match_declared_birth_year():
    with pytest.raises(DomainError) as exc:
        validate_cccd(MAN_1985, date(1986, 6, 1), "nam")
    assert exc.value.code == "invalid_cccd"
    assert "thứ 5–6" in exc.value.message and "(85)" in exc.value.message and "(86)" in exc.value.message


@pytest.mark.parametrize("code", ["000", "003", "097", "100"])
def test_cccd_with_unknown_province_code_is_refused(code):
    with pytest.raises(DomainError) as exc:
        validate_cccd(code + "085001234", date(1985, 1, 1), "nam")
    assert code in exc.value.message and "mã tỉnh" in exc.value.message


def test_cccd_of_someone_born_in_the_1800s_and_2100s_follows_the_table():
    validate_cccd("001999000001", date(1899, 1, 1), "nu")
    validate_cccd("001400000001", date(2100, 1, 1), "nam")


def test_unknown_gender_value_is_a_programming_error():
    with pytest.raises(ValueError):
        validate_cccd(MAN_1985, date(1985, 1, 1), "male")


# --- phone -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["+84 912 345 678", "84912345678", "0912.345.678", "0912 345 678", "(+84)912345678", "0912-345-678",
     "+84 0912 345 678", "0084912345678"],
)
def test_mobile_number_written_in_common_ways_is_normalised(raw):
    assert normalize_phone(raw) == "0912345678"


@pytest.mark.parametrize("number", ["0321234567", "0561234567", "0701234567", "0861234567", "0981234567"])
def test_every_mobile_prefix_is_accepted(number):
    assert normalize_phone(number) == number


@pytest.mark.parametrize(
    "raw, words",
    [
        ("", "Vui lòng nhập"),
        ("02343822222", "03, 05, 07, 08 hoặc 09"),  # Huế landline
        ("091234567", "10 chữ số"),
        ("09123456789", "10 chữ số"),
        ("0412345678", "03, 05"),
        ("+1 202 555 0100", "+84"),
        ("0912abc678", "chữ số"),
    ],
)
def test_non_vietnamese_or_non_mobile_numbers_are_refused(raw, words):
    with pytest.raises(DomainError) as exc:
        normalize_phone(raw)
    assert exc.value.code == "invalid_phone" and words in exc.value.message


# --- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("nguyễn  văn   an", "Nguyễn Văn An"),
        ("  TRẦN THỊ THU HƯƠNG ", "Trần Thị Thu Hương"),
        ("đặng đình đức", "Đặng Đình Đức"),
        ("h'hen niê", "H'Hen Niê"),
        ("nguye\u0302\u0303n van a", "Nguyễn Van A"),  # decomposed input comes out NFC
    ],
)
def test_names_are_capitalised_the_vietnamese_way(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "Nguyễn Văn 2"])
def test_empty_or_numeric_names_are_refused(raw):
    with pytest.raises(DomainError) as exc:
        normalize_name(raw)
    assert exc.value.code == "invalid_name"


def test_name_key_ignores_accents_case_spacing_and_tone_placement():
    assert name_key("Đặng  Thị Thuỷ") == name_key("dang thi thủy") == "dang thi thuy"
    assert name_key("Lê Hoà") == name_key("LE HÒA")


# --- masking -----------------------------------------------------------------------------------------


def test_phone_and_cccd_are_masked_for_publication():
    assert mask_digits("0912345623") == "0*******23"
    assert mask_digits(MAN_1985, keep_start=3, keep_end=3) == "046******234"
    assert mask_digits("0912 345 623") == "0*** *** *23"


def test_values_too_short_to_mask_partly_are_masked_entirely():
    assert mask_digits("123") == "***"


# --- likely duplicates -------------------------------------------------------------------------------


def person(pid, name="Nguyễn Văn An", born=date(1990, 5, 2), cccd=None, phone=None, area="19900"):
    return PersonKey(pid, name, born, cccd or f"046090{pid:06d}", phone or f"09{pid:08d}", area)


def test_same_name_birthday_and_area_with_other_cccd_is_a_strong_duplicate():
    pairs = likely_duplicates([person(7), person(3, name="NGUYỄN VĂN  AN")])
    assert len(pairs) == 1
    low, high, reason = pairs[0]
    assert (low, high) == (3, 7)
    assert "cùng địa bàn" in reason and "khác số CCCD và số điện thoại" in reason
    assert "nhiều khả năng" in reason


def test_same_name_and_birthday_in_another_area_is_only_worth_checking():
    [(_, _, reason)] = likely_duplicates([person(1, area="19900"), person(2, area="20000")])
    assert "cùng địa bàn" not in reason and "cần kiểm tra" in reason


def test_shared_phone_with_another_cccd_is_a_strong_duplicate():
    people = [person(1, phone="0912345678", area=None), person(2, phone="0912345678")]
    [(_, _, reason)] = likely_duplicates(people)
    assert "cùng số điện thoại" in reason and "khác số CCCD" in reason and "nhiều khả năng" in reason


def test_different_birthday_or_name_is_not_a_duplicate():
    people = [person(1), person(2, born=date(1990, 5, 3)), person(3, name="Nguyễn Văn Ân An")]
    assert likely_duplicates(people) == []


def test_identical_records_are_left_to_the_unique_constraints():
    twice = [person(pid, cccd=MAN_1985, phone="0912345678") for pid in (1, 2)]
    assert likely_duplicates(twice) == []


def test_three_registrations_of_one_person_give_three_pairs():
    pairs = likely_duplicates([person(5), person(1), person(9)])
    assert [(a, b) for a, b, _ in pairs] == [(1, 5), (1, 9), (5, 9)]


def test_duplicate_check_finds_a_pair_among_many_people():
    rng = random.Random(0)
    surnames, middles, givens = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"], ["Văn", "Thị", "Đình", "Ngọc"], [
        "An", "Bình", "Chi", "Dũng", "Hà", "Hương", "Lan", "Minh", "Nam", "Thảo"]
    people = [
        person(i, name=f"{rng.choice(surnames)} {rng.choice(middles)} {rng.choice(givens)}",
               born=date(rng.randint(1960, 2005), rng.randint(1, 12), rng.randint(1, 28)))
        for i in range(1, 5_001)
    ]
    people.append(person(200_000, name=people[0].name.upper(), born=people[0].birth_date))
    pairs = likely_duplicates(people)
    assert any(p[:2] == (1, 200_000) for p in pairs)
