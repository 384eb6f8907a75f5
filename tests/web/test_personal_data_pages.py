"""/ca-nhan/du-lieu through the test client: the owner's full data, downloads, corrections, withdrawal, the
organisers' list, and nobody else's data."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from quizapp.extensions import db
from quizapp.models import utcnow
from tests.factories import make_bank, make_contest, make_staff, register_contestant
from tests.journey import without_rate_limits


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch):
    without_rate_limits(monkeypatch)


@pytest.fixture
def people(app):
    """Contest A with Hoà and Lâm registered, its organiser; contest B and its organiser."""
    with app.app_context():
        now = utcnow()
        make_bank(10)
        a = make_contest(now, slug="cuoc-thi-a")
        b = make_contest(now, slug="cuoc-thi-b")
        hoa = register_contestant(a, now, n=3, full_name="Đặng Thị Hoà")
        lam = register_contestant(a, now, n=4, full_name="Phan Văn Lâm")
        make_staff("btc-a", "organizer", [a])
        make_staff("btc-b", "organizer", [b])
        return {"hoa": (hoa.user.phone, hoa.user.cccd), "lam": (lam.user.phone, lam.user.cccd),
                "round_id": a.rounds[0].id}


def test_the_owner_sees_everything_in_full_and_nothing_is_cached(client, login, people):
    phone, cccd = people["hoa"]
    login(phone)
    page = client.get("/ca-nhan/du-lieu")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert cccd in text and phone in text and "Đặng Thị Hoà" in text and "17/05/1990" in text
    assert "Đã xóa theo yêu cầu" in text and "Kết quả đã công bố được giữ nguyên" in text
    assert 'href="/ca-nhan/du-lieu"' in client.get("/ca-nhan/lich-su").get_data(as_text=True)
    assert 'href="/ca-nhan/du-lieu"' in client.get("/du-lieu-ca-nhan").get_data(as_text=True)


def test_downloads_json_and_xlsx_with_vietnamese_headers(client, login, people):
    phone, cccd = people["hoa"]
    login(phone)
    resp = client.get("/ca-nhan/du-lieu.json")
    assert resp.headers["Cache-Control"] == "private, no-store" and "attachment" in resp.headers["Content-Disposition"]
    data = json.loads(resp.data)
    assert set(data) >= {"account", "registrations", "attempts", "reviews", "published_results", "requests", "audit"}
    assert data["account"]["cccd"] == cccd and data["registrations"][0]["consented_at"].endswith("+07:00")
    xlsx = client.get("/ca-nhan/du-lieu.xlsx")
    assert xlsx.headers["Cache-Control"] == "private, no-store"
    wb = load_workbook(io.BytesIO(xlsx.data))
    assert wb.sheetnames == ["Tài khoản", "Đăng ký dự thi", "Lượt thi", "Xem xét", "Kết quả đã công bố",
                             "Yêu cầu của bạn", "Nhật ký"]
    account = wb["Tài khoản"]
    assert [c.value for c in account[1]][:4] == ["Họ và tên", "Số CCCD", "Số điện thoại", "Email"]
    assert account["B2"].value == cccd
    assert [c.value for c in wb["Đăng ký dự thi"][1]][:3] == ["Cuộc thi", "Ban Tổ chức", "Bảng"]


def test_the_api_gives_only_the_callers_own_data(client, login, people):
    anonymous = client.get("/api/v1/me/data")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthorized"
    login(people["lam"][0])
    resp = client.get("/api/v1/me/data")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "private, no-store"
    body = resp.get_data(as_text=True)
    assert people["lam"][1] in body and people["hoa"][1] not in body and "Hoà" not in body


def test_contact_correction_and_the_taken_phone_message(client, login, people):
    login(people["hoa"][0])
    taken = client.post("/ca-nhan/du-lieu/lien-he", data={"phone": people["lam"][0], "email": ""})
    assert taken.status_code == 422
    assert "Số điện thoại này đã được dùng cho một tài khoản khác" in taken.get_data(as_text=True)
    done = client.post("/ca-nhan/du-lieu/lien-he", data={"phone": "0912 345 678", "email": "hoa@example.vn"},
                       follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Đã lưu email và số điện thoại" in text and "0912345678" in text and "hoa@example.vn" in text
    client.post("/dang-xuat")
    login("0912345678")


def test_identity_correction_request_is_shown_to_the_contests_organiser_only(app, client, login, people):
    login(people["hoa"][0])
    empty = client.post("/ca-nhan/du-lieu/de-nghi-sua", data={"message": "Tên đúng là Đặng Thị Hòa"})
    assert empty.status_code == 422 and "Vui lòng chọn thông tin cần sửa" in empty.get_data(as_text=True)
    sent = client.post("/ca-nhan/du-lieu/de-nghi-sua", data={"fields": ["full_name"],
                                                            "message": "Tên đúng là Đặng Thị Hòa"},
                       follow_redirects=True)
    assert "Đã gửi đề nghị sửa thông tin" in sent.get_data(as_text=True)
    other = app.test_client()
    other.post("/dang-nhap", data={"identifier": "btc-b", "password": "matkhau123"})
    assert other.get("/quan-tri/cuoc-thi/cuoc-thi-a/tra-cuu").status_code == 404
    assert "Tên đúng là" not in other.get("/quan-tri/cuoc-thi/cuoc-thi-b/tra-cuu").get_data(as_text=True)
    organiser = app.test_client()
    organiser.post("/dang-nhap", data={"identifier": "btc-a", "password": "matkhau123"})
    page = organiser.get("/quan-tri/cuoc-thi/cuoc-thi-a/tra-cuu").get_data(as_text=True)
    assert "Tên đúng là Đặng Thị Hòa" in page and "Đề nghị sửa thông tin: Họ và tên" in page
    assert "/thong-tin" in page  # the identity edit page, where they apply it


def test_withdrawing_consent_blocks_starting_an_attempt(app, client, login, people):
    login(people["hoa"][0])
    unconfirmed = client.post("/ca-nhan/du-lieu/rut-dong-y", data={})
    assert unconfirmed.status_code == 422 and "đánh dấu ô xác nhận" in unconfirmed.get_data(as_text=True)
    done = client.post("/ca-nhan/du-lieu/rut-dong-y", data={"confirm": "y"}, follow_redirects=True)
    assert "Bạn không thể bắt đầu lượt thi mới" in done.get_data(as_text=True)
    refused = client.post(f"/api/v1/rounds/{people['round_id']}/attempts")
    assert refused.status_code == 403 and refused.get_json()["error"] == "consent_withdrawn"
    page = client.post(f"/cuoc-thi/cuoc-thi-a/dot/{people['round_id']}/bat-dau", follow_redirects=True)
    assert "rút lại sự đồng ý" in page.get_data(as_text=True)
    organiser = app.test_client()
    organiser.post("/dang-nhap", data={"identifier": "btc-a", "password": "matkhau123"})
    listed = organiser.get("/quan-tri/cuoc-thi/cuoc-thi-a/tra-cuu").get_data(as_text=True)
    assert "Rút lại sự đồng ý và đề nghị xóa dữ liệu" in listed and "Đặng Thị Hoà" in listed
    with app.app_context():
        db.session.remove()
