"""Duplicate questions, as an organiser re-importing or merging files would meet them."""
import random

from quizapp.domain.duplicates import find_duplicates, make_key, similarity

Q = "Theo Nghị quyết 76/NQ-CP, chương trình tổng thể cải cách hành chính áp dụng cho giai đoạn nào?"
OPTS = ["2011–2020", "2021–2030", "2021–2025", "2025–2035"]


def test_same_question_with_other_case_spacing_and_punctuation_is_an_exact_duplicate():
    a = make_key("bank", Q, OPTS)
    b = make_key("row2", "  theo nghị quyết 76/NQ-CP chương trình tổng thể   cải cách hành chính áp dụng cho giai đoạn nào ", OPTS)
    found = find_duplicates([a], [b])
    assert found["row2"].exact and found["row2"].other == "bank"


def test_diacritics_are_kept_so_a_different_word_is_not_exact():
    a = make_key(1, "Cải cách hành chính là gì?", ["a", "b"])
    b = make_key(2, "Cai cach hanh chinh la gi?", ["a", "b"])
    assert a.exact != b.exact


def test_shuffled_options_still_match():
    a = make_key("bank", Q, OPTS)
    b = make_key("row", Q, list(reversed(OPTS)))
    assert find_duplicates([a], [b])["row"].exact


def test_a_reworded_question_is_a_near_duplicate():
    a = make_key("bank", Q, OPTS)
    b = make_key("row", Q.replace("áp dụng cho", "áp dụng trong"), OPTS[1:] + ["2016–2020"])
    match = find_duplicates([a], [b])["row"]
    assert not match.exact and match.similarity >= 90


def test_different_questions_are_not_duplicates():
    a = make_key("bank", Q, OPTS)
    b = make_key("row", "Chỉ số SIPAS đo lường điều gì?", ["Sự hài lòng của người dân", "Năng lực cạnh tranh", "Chuyển đổi số", "Hiệu quả quản trị"])
    assert find_duplicates([a], [b]) == {}
    assert similarity(a, b) < 60


def test_duplicates_within_one_file_are_found_against_earlier_rows():
    rows = [make_key(1, Q, OPTS), make_key(2, "Câu khác hẳn về PAPI?", ["a", "b", "c", "d"]), make_key(3, Q.upper(), OPTS)]
    found = find_duplicates([], rows)
    assert list(found) == [3] and found[3].other == 1


def test_near_duplicate_is_found_among_many_questions():
    rng = random.Random(3)
    words = ["cải", "cách", "hành", "chính", "nhà", "nước", "thủ", "tục", "một", "cửa", "liên", "thông", "công", "vụ", "viên", "chức", "tài", "chính", "số", "điện", "tử", "tỉnh", "xã"]
    bank = [make_key(i, " ".join(rng.choice(words) for _ in range(18)) + f" câu {i}?", ["A", "B", "C", "D"]) for i in range(3000)]
    target = bank[1234]
    reworded = make_key("new", target.text.replace("câu", "câu hỏi"), ["D", "C", "B", "A"])
    assert find_duplicates(bank, [reworded])["new"].other == 1234


def test_questions_differing_only_in_a_year_ask_different_things():
    base = "Theo Nghị quyết, đến năm 2025 tỷ lệ hài lòng của người dân phải đạt tối thiểu bao nhiêu?"
    a = make_key("bank", base, ["80%", "85%", "90%", "95%"])
    b = make_key("row", base.replace("2025", "2030"), ["80%", "85%", "90%", "95%"])
    assert find_duplicates([a], [b]) == {}


def _count_candidates(monkeypatch) -> list[int]:
    from quizapp.domain.duplicates import DuplicateIndex

    seen, original = [], DuplicateIndex._candidates
    monkeypatch.setattr(DuplicateIndex, "_candidates", lambda self, key: seen.append(len(r := original(self, key))) or r)
    return seen


def test_many_copies_with_one_number_changed_are_checked_in_near_linear_time(monkeypatch):
    """4,000 rows of one question, each with another year: none is a duplicate, and no row is looked at against
    the thousands before it (that took 38.7 s on a dry-run import)."""
    seen = _count_candidates(monkeypatch)
    keys = [make_key(i, f"{Q[:-1]} từ năm 2021 đến năm {2030 + i}?", OPTS) for i in range(4000)]
    assert find_duplicates([], keys) == {}
    assert sum(seen) < 4000


def test_over_common_shingles_bound_the_candidates(monkeypatch):
    """Rows sharing a long stem (same numbers) but not similar enough: each is compared with a bounded number of
    earlier rows, whatever the file's length."""
    from quizapp.domain import duplicates

    rng = random.Random(3)
    words = ["thể", "chế", "thủ", "tục", "bộ", "máy", "công", "vụ", "tài", "chính", "số", "hóa", "dịch", "vụ", "trực", "tuyến", "người", "dân", "doanh", "nghiệp"]
    seen = _count_candidates(monkeypatch)
    keys = [make_key(i, Q + " " + " ".join(rng.choice(words) for _ in range(20)), OPTS) for i in range(3000)]
    find_duplicates([], keys)
    assert max(seen) <= duplicates._PROBES * duplicates._MAX_POSTING
