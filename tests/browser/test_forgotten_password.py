"""Forgotten password in real Chromium on a 360 px phone: from the sign-in page, wrong details (one message),
the right ones, a new password, signed in; then the new password works and the old one does not."""
from __future__ import annotations

import re

import pytest

from tests.browser.a11y import serious_violations
from tests.browser.test_contestant_journey import fits_a_small_phone, sign_in
from tests.journey import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "matkhaumoi2026"


def _fill(page, cccd: str, born: str, phone: str) -> None:
    page.get_by_label("Số CCCD (12 chữ số)").fill(cccd)
    page.get_by_label("Ngày sinh").fill(born)  # the date input takes ISO; the phone shows it as dd/mm/yyyy
    page.get_by_label("Số điện thoại di động đã đăng ký").fill(phone)
    page.get_by_role("button", name="Tiếp tục", exact=True).click()


def test_forgotten_password_from_sign_in_to_signed_in_on_a_small_phone(phone, live):
    from playwright.sync_api import expect

    number = live.contestant(71)  # born 17/05/1990, CCCD 001090000071
    page = phone().new_page()
    page.goto(f"{live.url}/dang-nhap")
    fits_a_small_phone(page)
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.wait_for_url(f"{live.url}/quen-mat-khau")
    fits_a_small_phone(page)
    assert serious_violations(page) == []

    # nothing typed: every problem at the top, each next to its field
    page.get_by_role("button", name="Tiếp tục", exact=True).click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Vui lòng sửa 3 mục dưới đây")
    expect(summary).to_be_focused()
    fits_a_small_phone(page)
    assert serious_violations(page) == []

    # a wrong birth date: the one message, nothing said about which detail was wrong; what was typed is kept
    _fill(page, "001 090 000 071", "1990-05-18", number)
    expect(summary).to_contain_text("Thông tin không khớp với tài khoản nào")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Số CCCD (12 chữ số)")).to_have_value("001 090 000 071")
    fits_a_small_phone(page)
    assert serious_violations(page) == []

    # the right details (the phone written the international way) lead to the set-password page
    _fill(page, "001090000071", "1990-05-17", "+84 " + number[1:])
    page.wait_for_url(re.compile(r"/dat-mat-khau/[\w-]+$"))
    expect(page.get_by_text("Đặt xong, bạn được đăng nhập ngay.")).to_be_visible()
    fits_a_small_phone(page)
    assert serious_violations(page) == []
    page.get_by_label("Mật khẩu mới (ít nhất 8 ký tự)").fill(NEW_PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Đặt mật khẩu", exact=True).click()
    page.wait_for_url(f"{live.url}/")
    expect(page.get_by_text("Đã đặt mật khẩu mới. Bạn đã đăng nhập.")).to_be_visible()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    fits_a_small_phone(page)

    # on another phone: the old password is refused, the new one signs in
    other = phone().new_page()
    other.goto(f"{live.url}/dang-nhap")
    other.get_by_label("Số điện thoại hoặc số CCCD").fill(number)
    other.get_by_label("Mật khẩu").fill(PASSWORD)
    other.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(other.get_by_text("Số điện thoại, số CCCD hoặc mật khẩu không đúng.")).to_be_visible()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("tests.browser.test_contestant_journey.PASSWORD", NEW_PASSWORD)
        sign_in(other, live, number)
