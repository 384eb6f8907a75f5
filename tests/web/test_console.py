"""The console as organisers use it: staff accounts with one-time links, the help desk, areas and units (import,
populations, staff counts), creating and publishing a contest, the live view, the demo's review queue."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Area, AuditLog, Contest, DuplicateCandidate, ReviewFlag, Unit, User
from tests.factories import make_bank, make_contest, make_staff, register_contestant


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _flash_link(html: str) -> str:
    return re.search(r"(/dat-mat-khau/[A-Za-z0-9_-]+)", html).group(1)


@pytest.fixture
def site(app, now):
    with app.app_context():
        make_bank(20)
        contest = make_contest(now, slug="lc")
        unit_a = Unit(contest_id=contest.id, code="SNV", name="Sở Nội vụ", staff_count=10)
        unit_b = Unit(contest_id=contest.id, code="STP", name="Sở Tư pháp")
        db.session.add_all([unit_a, unit_b])
        db.session.commit()
        reg = register_contestant(contest, now, n=3, full_name="Hoàng Thị Lụa", category="official", unit_id=unit_a.id)
        make_staff("btc", "organizer", [contest])
        make_staff("kd", "moderator", [contest], unit=unit_b)
        make_staff("qtv", admin=True)
        return {"contest": contest.id, "reg": reg.id, "phone": reg.user.phone, "unit_a": unit_a.id}


def test_an_admin_creates_a_staff_account_and_the_link_sets_its_password_once(client, login, site, app):
    login("qtv")
    html = client.post("/quan-tri/can-bo/", data={"login": "tuyengiao.tq", "full_name": "Nguyễn Thu Hà", "email": ""},
                       follow_redirects=True).get_data(as_text=True)
    link = _flash_link(html)
    assert "chỉ hiện lần này" in html
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "tuyengiao.tq"))
    detail = client.post(f"/quan-tri/can-bo/{user_id}", data={"contest": "lc", "role": "organizer"},
                         follow_redirects=True).get_data(as_text=True)
    assert "Đã phân công" in detail
    client.post("/dang-xuat")
    page = client.get(link)
    assert page.status_code == 200 and "tuyengiao.tq" in page.get_data(as_text=True)
    weak = client.post(link, data={"password": "123", "password2": "123"}).get_data(as_text=True)
    assert "ít nhất 8 ký tự" in weak
    done = client.post(link, data={"password": "mat-khau-moi-1", "password2": "mat-khau-moi-1"}, follow_redirects=True)
    assert "Đã đặt mật khẩu" in done.get_data(as_text=True)
    assert client.get(link).status_code == 410  # used: it no longer works
    assert client.post("/dang-nhap", data={"identifier": "tuyengiao.tq", "password": "mat-khau-moi-1"}).status_code == 302
    assert client.get("/quan-tri/cuoc-thi/lc/").status_code == 200
    with app.app_context():
        actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"staff.create", "staff.membership", "password.link", "password.set"} <= actions


def test_only_admins_manage_staff(client, login, site):
    login("btc")
    assert client.get("/quan-tri/can-bo/").status_code == 404


def test_the_help_desk_finds_a_contestant_without_accents_and_hands_over_a_reset_link(client, login, site, app):
    login("btc")
    html = client.get("/quan-tri/cuoc-thi/lc/tra-cuu?q=hoang+thi+lua").get_data(as_text=True)
    assert "Hoàng Thị Lụa" in html and site["phone"] not in html  # the phone is masked for organisers
    html = client.get(f"/quan-tri/cuoc-thi/lc/tra-cuu?q={site['phone'][-6:]}").get_data(as_text=True)
    assert "Hoàng Thị Lụa" in html
    entry = client.post(f"/quan-tri/cuoc-thi/lc/tra-cuu/{site['reg']}/dat-lai-mat-khau",
                        follow_redirects=True).get_data(as_text=True)
    link = _flash_link(entry)
    client.post("/dang-xuat")
    client.post(link, data={"password": "mat-khau-moi-2", "password2": "mat-khau-moi-2"})
    assert client.post("/dang-nhap", data={"identifier": site["phone"], "password": "mat-khau-moi-2"}).status_code == 302


def test_a_moderator_finds_nobody_outside_their_unit_and_cannot_hand_out_links(client, login, site):
    login("kd")
    html = client.get("/quan-tri/cuoc-thi/lc/tra-cuu?q=hoang").get_data(as_text=True)
    assert "Hoàng Thị Lụa" not in html and "0 kết quả" in html
    assert client.post(f"/quan-tri/cuoc-thi/lc/tra-cuu/{site['reg']}/dat-lai-mat-khau").status_code == 403


def test_units_import_checks_every_row_then_confirms_and_staff_counts_are_edited_on_the_page(client, login, site, app):
    login("btc")
    bad = _xlsx([["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Số cán bộ, công chức, viên chức"],
                 ["SXD", "Sở Xây dựng", "Cơ quan", "55"], ["", "Không mã", "", "abc"]])
    html = client.post("/quan-tri/cuoc-thi/lc/don-vi/nhap", data={"file": (io.BytesIO(bad), "dv.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "có 2 lỗi; chưa ghi gì" in html and "Mã đơn vị trống" in html and "không phải số nguyên" in html
    good = _xlsx([["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Khối", "Số cán bộ, công chức, viên chức"],
                  ["SNV", "Sở Nội vụ", "Cơ quan", "Khối sở", 70], ["SXD", "Sở Xây dựng", "Cơ quan", "Khối sở", 55]])
    html = client.post("/quan-tri/cuoc-thi/lc/don-vi/nhap", data={"file": (io.BytesIO(good), "dv.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Sẽ thêm 1, sẽ cập nhật 1" in html
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post("/quan-tri/cuoc-thi/lc/don-vi/nhap/xac-nhan", data={"token": token}, follow_redirects=True)
    assert "Đã thêm 1, đã cập nhật 1" in done.get_data(as_text=True)
    with app.app_context():
        units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.contest_id == site["contest"]))}
    assert units["SNV"].staff_count == 70 and units["SXD"].block == "Khối sở"
    resp = client.post("/quan-tri/cuoc-thi/lc/don-vi", data={f"staff-{units['STP'].id}": "33",
                                                           f"staff-{units['SNV'].id}": "70",
                                                           f"staff-{units['SXD'].id}": "55"}, follow_redirects=True)
    assert "của 1 đơn vị" in resp.get_data(as_text=True)
    wrong = client.post("/quan-tri/cuoc-thi/lc/don-vi", data={f"staff-{units['STP'].id}": "ba mươi"},
                        follow_redirects=True).get_data(as_text=True)
    assert "phải là số nguyên không âm" in wrong
    with app.app_context():
        assert db.session.get(Unit, units["STP"].id).staff_count == 33


def test_a_legacy_district_tree_is_imported_and_populations_are_entered(client, login, site, app):
    login("btc")
    tree = _xlsx([["Mã địa bàn", "Tên địa bàn", "Mã địa bàn cấp trên", "Cấp", "Số người"],
                  ["08", "Tỉnh Tuyên Quang", "", "Tỉnh", ""],
                  ["070", "Thành phố Tuyên Quang", "08", "Thành phố thuộc tỉnh", ""],
                  ["02212", "Phường Phan Thiết", "070", "Phường", "9000"],
                  ["02215", "Xã cấp trên sai", "999", "Xã", ""]])
    html = client.post("/quan-tri/cuoc-thi/lc/dia-ban/nhap", data={"file": (io.BytesIO(tree), "db.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Không có địa bàn cấp trên mã «999»" in html and "chưa ghi gì" in html
    tree = _xlsx([["Mã địa bàn", "Tên địa bàn", "Mã địa bàn cấp trên", "Cấp", "Số người"],
                  ["08", "Tỉnh Tuyên Quang", "", "Tỉnh", ""],
                  ["070", "Thành phố Tuyên Quang", "08", "Thành phố thuộc tỉnh", ""],
                  ["02212", "Phường Phan Thiết", "070", "Phường", "9000"]])
    html = client.post("/quan-tri/cuoc-thi/lc/dia-ban/nhap", data={"file": (io.BytesIO(tree), "db.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/quan-tri/cuoc-thi/lc/dia-ban/nhap/xac-nhan", data={"token": token})
    with app.app_context():
        ward = db.session.scalar(select(Area).where(Area.contest_id == site["contest"], Area.code == "02212"))
        assert ward.population == 9000 and ward.parent.code == "070" and ward.parent.level == "district"
        ward_id = ward.id
    client.post("/quan-tri/cuoc-thi/lc/dia-ban", data={f"pop-{ward_id}": "9.500"})
    with app.app_context():
        assert db.session.get(Area, ward_id).population == 9500


def test_a_moderator_reads_their_own_unit_and_changes_nothing(client, login, site):
    login("kd")
    html = client.get("/quan-tri/cuoc-thi/lc/don-vi").get_data(as_text=True)
    assert "Sở Tư pháp" in html and "Sở Nội vụ" not in html and "staff-" not in html
    assert client.post("/quan-tri/cuoc-thi/lc/don-vi", data={}).status_code == 403


def test_an_unpublished_contest_is_hidden_from_the_public_and_previewed_by_its_staff(client, login, site, app):
    with app.app_context():
        contest = db.session.get(Contest, site["contest"])
        contest.is_published = False
        db.session.commit()
    assert client.get("/cuoc-thi/lc").status_code == 404
    assert client.get("/cuoc-thi/lc/dang-ky").status_code == 404
    assert "Cuộc thi thử nghiệm" not in client.get("/").get_data(as_text=True)
    assert client.get("/api/v1/contests/lc/rounds").status_code == 404
    login("btc")
    assert "chỉ Ban Tổ chức xem được" in client.get("/cuoc-thi/lc").get_data(as_text=True)
    live = client.get("/quan-tri/cuoc-thi/lc/").get_data(as_text=True)
    assert "Cuộc thi chưa được công bố" in live


def test_an_admin_creates_a_contest_on_the_page(client, login, site, app):
    login("qtv")
    form = client.get("/quan-tri/cuoc-thi/moi").get_data(as_text=True)
    assert "Tuyên Quang" in form and "Lào Cai" in form  # the 34 provinces to choose from
    data = {"title": "Tìm hiểu cải cách hành chính tỉnh Điện Biên", "slug": "Điện Biên", "organizing_body":
            "Sở Nội vụ tỉnh Điện Biên", "province": "11", "group_level": "commune", "min_rate": "50",
            "tracks-0-name": "Cán bộ, công chức, viên chức", "tracks-1-name": "Người dân", "is_published": "y"}
    refused = client.post("/quan-tri/cuoc-thi/moi", data=data).get_data(as_text=True)
    assert "chữ thường không dấu" in refused and "Tìm hiểu cải cách hành chính tỉnh Điện Biên" in refused
    resp = client.post("/quan-tri/cuoc-thi/moi", data=data | {"slug": "cchc-dien-bien"}, follow_redirects=True)
    assert "Đã tạo cuộc thi" in resp.get_data(as_text=True)
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == "cchc-dien-bien"))
        assert contest.organizer_name == "Sở Nội vụ tỉnh Điện Biên" and [t.name for t in contest.tracks] == [
            "Cán bộ, công chức, viên chức", "Người dân"]
        assert db.session.scalar(select(func.count()).select_from(Area).where(Area.contest_id == contest.id)) > 30


def test_the_demo_has_something_in_its_review_queues(client, login, seeded, app):
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DuplicateCandidate)) >= 3
        assert db.session.scalar(select(func.count()).select_from(ReviewFlag).where(
            ReviewFlag.kind == "fast_attempt")) >= 4
        organiser = db.session.scalar(select(User).where(User.username == "btc.laocai"))
    assert organiser is not None
    password = seeded.admin_password
    client.post("/dang-nhap", data={"identifier": "btc.laocai", "password": password})
    html = client.get("/quan-tri/cuoc-thi/cchc-2026/kiem-tra/trung-nguoi").get_data(as_text=True)
    assert "Trùng họ tên và ngày sinh" in html
