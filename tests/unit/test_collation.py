"""Vietnamese alphabetical order for lists of communes, wards and units (as official lists print them)."""
from quizapp.domain import collation


def test_letters_with_marks_are_letters_of_their_own_in_the_alphabet_order():
    names = ["Yên Bái", "Âu Lâu", "An Bình", "Bảo Thắng", "Ăn Quả", "Đông Cuông", "Dương Quỳ", "Ê Đê", "Ơn Thủy"]
    assert collation.sort(names) == ["An Bình", "Ăn Quả", "Âu Lâu", "Bảo Thắng", "Dương Quỳ", "Đông Cuông", "Ê Đê",
                                     "Ơn Thủy", "Yên Bái"]


def test_tones_only_break_ties_and_case_is_ignored():
    assert collation.sort(["tả", "ta", "tá", "tà", "tạ", "tã"]) == ["ta", "tà", "tả", "tã", "tá", "tạ"]
    assert collation.sort(["xã Mường Hum", "Xã Bát Xát"]) == ["Xã Bát Xát", "xã Mường Hum"]


def test_word_by_word_and_numbers_in_numeric_order():
    assert collation.sort(["Phường 10", "Phường 2", "Phường Âu Lâu", "Phường An"]) == [
        "Phường 2", "Phường 10", "Phường An", "Phường Âu Lâu"]
    # A shorter name that is the start of a longer one comes first ("Xã Yên" before "Xã Yên Bình").
    assert collation.sort(["Xã Yên Bình", "Xã Yên"]) == ["Xã Yên", "Xã Yên Bình"]
    assert collation.sort(["UBND Xã Đông Cuông", "UBND Phường Âu Lâu", "UBND Phường Yên Bái"]) == [
        "UBND Phường Âu Lâu", "UBND Phường Yên Bái", "UBND Xã Đông Cuông"]


def test_superscript_and_circled_digits_sort_as_their_digits():
    """isdigit() accepts "²" and "①" but int() refuses them: such a name made the whole sort raise."""
    assert collation.sort(["Phòng 10m²", "Phòng 10m3", "Phòng 10m1"]) == ["Phòng 10m1", "Phòng 10m²", "Phòng 10m3"]
    assert collation.sort(["Tổ ①", "Tổ B"]) == ["Tổ ①", "Tổ B"]
