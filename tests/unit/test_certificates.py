"""Certificate codes and the words printed on certificates (pure)."""
from datetime import date

from quizapp.domain import certificates


def test_a_code_is_twelve_base32_characters_stable_and_different_per_version_and_person():
    code = certificates.make_code("secret", 7, 1, 42)
    assert len(code) == 12 and set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert code == certificates.make_code("secret", 7, 1, 42)
    others = {certificates.make_code("secret", 8, 2, 42), certificates.make_code("secret", 7, 1, 43),
              certificates.make_code("other secret", 7, 1, 42)}
    assert code not in others and len(others) == 3
    assert "42" not in code


def test_typed_codes_are_forgiving_but_only_codes_pass():
    code = certificates.make_code("secret", 7, 1, 42)
    shown = certificates.display_code(code)
    assert shown.count("-") == 2 and len(shown) == 14
    assert certificates.normalize_code(shown.lower()) == code
    assert certificates.normalize_code(f"  {shown[:7]} {shown[7:]} ") == code
    assert certificates.normalize_code("ABCD-EFGH-IJK0") == "ABCDEFGHIJKO"  # a zero typed for the letter O
    assert certificates.normalize_code("ABCD") is None
    assert certificates.normalize_code("") is None and certificates.normalize_code(None) is None
    assert certificates.normalize_code("ABCD-EFGH-IJK9") is None  # 9 is not in base32


def test_outcome_date_and_score_read_as_vietnamese_documents_write_them():
    assert certificates.outcome_label("first") == "Giải Nhất"
    assert certificates.outcome_label("consolation") == "Giải Khuyến khích"
    assert certificates.outcome_label(None) == "Đã tham gia"
    assert certificates.long_date(date(2026, 3, 5)) == "ngày 05 tháng 3 năm 2026"
    assert certificates.score_text(18, 20, 90.0) == "Trả lời đúng 18/20 câu, đạt 90,00 điểm"
