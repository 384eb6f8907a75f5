"""Whole-word, accent-insensitive search: what "ha tinh" finds and what it does not."""
from quizapp.domain.text import has_words, search_key, search_words


def test_words_are_folded_and_split_on_anything_but_letters_and_digits():
    assert search_words("Hà Tĩnh, năm 2025 (Đề án 06)") == ["ha", "tinh", "nam", "2025", "de", "an", "06"]
    assert search_key("Hà Tĩnh") == " ha tinh "


def test_ha_tinh_finds_ha_tinh_not_every_hanh_and_tinh():
    assert has_words("ha tinh", "Sở Nội vụ tỉnh Hà Tĩnh")
    assert has_words("HÀ TĨNH", "Ha Tinh")
    assert not has_words("ha tinh", "Thủ tục hành chính cấp tỉnh")
    assert not has_words("ha", "Hành")


def test_every_word_must_be_there_and_an_empty_query_finds_nothing():
    assert has_words("mai cam duong", "Lò Thị Mai", "Phường Cam Đường")
    assert not has_words("mai bat xat", "Lò Thị Mai", "Phường Cam Đường")
    assert not has_words("  ", "Lò Thị Mai")
    assert not has_words(None, "Lò Thị Mai")
