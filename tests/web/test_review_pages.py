"""The organiser's review pages: duplicates, flags, one entry's file, the audit log, importing contestants.
CCCD and phone are masked for everyone but admins, and never shown on public pages."""
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from quizapp.domain.identity import mask_digits
from quizapp.extensions import db
from quizapp.models import DuplicateCandidate, Registration, ReviewFlag, Unit, User, utcnow
from quizapp.services import integrity
from tests.factories import make_bank, make_contest, make_staff, register_contestant

PASSWORD = "matkhau123"


def _staff(role, username, contest=None, unit=None):
    """An admin (role "admin"), or an organiser / unit moderator of `contest`."""
    if role == "admin":
        return make_staff(username, admin=True)
    return make_staff(username, role, [contest], unit=unit)


@pytest.fixture
def world(app):
    """A contest with one person registered twice (one commune), and an unrelated contestant."""
    with app.app_context():
        now = utcnow()
        make_bank(10)
        contest = make_contest(now, slug="kt", question_count=5)
        a = register_contestant(contest, now - timedelta(days=2), n=1, full_name="Nguyễn Văn Đức",
                                birth_date=date(1990, 5, 17))
        b = register_contestant(contest, now - timedelta(days=1), n=4, full_name="Nguyen Van Duc",
                                birth_date=date(1990, 5, 17))
        c = register_contestant(contest, now, n=2)
        _staff("organizer", "btc", contest)
        _staff("admin", "qtv")
        return {"slug": contest.slug, "a": a.id, "b": b.id, "c": c.id, "cccd_a": a.user.cccd, "phone_a": a.user.phone,
                "cccd_b": b.user.cccd, "phone_c": c.user.phone, "cccd_c": c.user.cccd}


def _html(resp) -> str:
    return resp.get_data(as_text=True)


def test_review_pages_are_for_staff_only(client, login, world, app):
    assert client.get(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/").status_code == 302  # to sign in
    with app.app_context():
        phone = db.session.get(Registration, world["c"]).user.phone
    login(phone)
    assert client.get("/quan-tri/").status_code == 404  # a contestant does not learn the console exists
    assert client.get(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/bai-du-thi/{world['a']}").status_code == 404


def test_organizer_scans_and_merges_a_duplicate_seeing_only_masked_numbers(client, login, world, app):
    login("btc")
    resp = client.post(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/quet", follow_redirects=True)
    assert "1 cặp nghi trùng người mới" in _html(resp)
    html = _html(client.get(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/trung-nguoi"))
    assert "Trùng họ tên và ngày sinh" in html and "Nguyen Van Duc" in html
    assert mask_digits(world["cccd_a"]) in html and world["cccd_a"] not in html
    assert world["phone_a"] not in html and "17/05/1990" not in html and "**/**/1990" in html
    with app.app_context():
        cand = db.session.scalar(select(DuplicateCandidate))
    resp = client.post(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/trung-nguoi/{cand.id}",
                       data={"action": "merge_a", "note": "Đăng ký lại vì quên mật khẩu"}, follow_redirects=True)
    assert "Đã gộp" in _html(resp)
    html = _html(client.get(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/bai-du-thi/{world['b']}"))
    assert "Đã bị loại" in html and "trùng người" in html and "Nguyễn Văn Đức" in html  # links to the kept one
    log = _html(client.get(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/nhat-ky"))
    assert "Gộp trùng người" in log and "Đăng ký lại vì quên mật khẩu" in log and world["cccd_b"] not in log


def test_admins_see_numbers_in_full(client, login, world):
    login("qtv")
    html = _html(client.get(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/bai-du-thi/{world['c']}"))
    assert world["cccd_c"] in html and world["phone_c"] in html


def test_disqualify_and_restore_from_the_entry_page_need_a_reason(client, login, world, app):
    login("btc")
    base = f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/bai-du-thi/{world['c']}"
    html = _html(client.post(f"{base}/loai", data={"reason": ""}, follow_redirects=True))
    assert "Vui lòng ghi lý do" in html
    html = _html(client.post(f"{base}/loai", data={"reason": "Nhờ người khác thi hộ"}, follow_redirects=True))
    assert "Đã loại bài dự thi" in html and "Nhờ người khác thi hộ" in html
    with app.app_context():
        assert db.session.get(Registration, world["c"]).status == "disqualified"
    html = _html(client.post(f"{base}/khoi-phuc", data={"reason": "Đã xác minh, không vi phạm"}, follow_redirects=True))
    assert "Đã khôi phục" in html and "Đang dự thi" in html
    assert "Nhờ người khác thi hộ" in html and "Đã xác minh, không vi phạm" in html  # both in the log on the page


def test_a_moderator_sees_only_their_unit_and_decides_nothing(client, login, app):
    with app.app_context():
        now = utcnow()
        make_bank(10)
        contest = make_contest(now, slug="dv")
        mine, other = Unit(contest_id=contest.id, code="SNV", name="Sở Nội vụ"), Unit(
            contest_id=contest.id, code="STP", name="Sở Tư pháp")
        db.session.add_all([mine, other])
        db.session.commit()
        ours = [register_contestant(contest, now, n=n, category="official", unit_id=mine.id, device_id="chung",
                                    full_name=f"Người Sở Nội Vụ {'ABC'[n]}") for n in (1, 2)]
        theirs = register_contestant(contest, now, n=3, category="official", unit_id=other.id, device_id="chung",
                                     full_name="Người Sở Tư Pháp")
        integrity.scan(contest, now)
        _staff("moderator", "kd", contest, unit=mine)
        ours_id, theirs_id = ours[0].id, theirs.id
    login("kd")
    html = _html(client.get("/quan-tri/cuoc-thi/dv/kiem-tra/canh-bao"))
    assert "Người Sở Nội Vụ B" in html and "Người Sở Tư Pháp" not in html
    assert "Bỏ qua</button>" not in html  # no decision buttons
    assert client.get(f"/quan-tri/cuoc-thi/dv/kiem-tra/bai-du-thi/{theirs_id}").status_code == 404
    assert client.get(f"/quan-tri/cuoc-thi/dv/kiem-tra/bai-du-thi/{ours_id}").status_code == 200
    assert client.post(f"/quan-tri/cuoc-thi/dv/kiem-tra/bai-du-thi/{ours_id}/loai", data={"reason": "x"}).status_code == 403
    assert client.post("/quan-tri/cuoc-thi/dv/kiem-tra/quet").status_code == 403


def test_organizer_clears_a_flag(client, login, world, app):
    with app.app_context():
        for n in (5, 6, 7):
            register_contestant(db.session.get(Registration, world["a"]).contest, utcnow(), n=n, device_id="may-1")
    login("btc")
    client.post(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/quet")
    html = _html(client.get(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/canh-bao?kind=same_device"))
    assert "3 tài khoản được đăng ký từ cùng một thiết bị" in html
    with app.app_context():
        flag_id = db.session.scalar(select(ReviewFlag.id))
    html = _html(client.post(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/canh-bao/{flag_id}",
                             data={"decision": "clear", "note": "Cán bộ văn phòng đăng ký giúp"}, follow_redirects=True))
    assert "Đã ghi nhận quyết định" in html
    with app.app_context():
        assert db.session.get(ReviewFlag, flag_id).status == "cleared"


def test_identity_correction_never_shows_an_organizer_the_full_numbers(client, login, world, app):
    login("btc")
    url = f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/bai-du-thi/{world['c']}/thong-tin"
    html = _html(client.get(url))
    assert world["cccd_c"] not in html and mask_digits(world["cccd_c"]) in html
    with app.app_context():
        reg = db.session.get(Registration, world["c"])
        form = {"full_name": "Nguyễn Văn Chí", "birth_date": reg.user.birth_date.isoformat(), "gender": reg.user.gender,
                "cccd": "", "phone": "0912 345 000", "email": "chi.nv@gmail.com",
                "reason": "Sửa theo đơn của người dự thi"}
    html = _html(client.post(url, data=form, follow_redirects=True))
    assert "Đã lưu thông tin" in html and "Nguyễn Văn Chí" in html
    with app.app_context():
        user = db.session.get(Registration, world["c"]).user
        assert (user.full_name, user.phone, user.cccd) == ("Nguyễn Văn Chí", "0912345000", world["cccd_c"])
        assert user.email == "chi.nv@gmail.com"  # an e-mail address is accepted (it used to crash the page)
    log = _html(client.get(f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/nhat-ky"))
    assert "Sửa thông tin cá nhân" in log and "Đã sửa: Họ và tên, Số điện thoại, Email" in log
    assert "0912345000" not in log and "chi.nv@gmail.com" not in log


def _csv(*rows):
    header = "Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Email,Mã xã/phường,Mã đơn vị,Đối tượng"
    return io.BytesIO("\n".join((header,) + rows).encode("utf-8"))


def test_importing_a_list_previews_then_confirms(client, login, world, app):
    with app.app_context():
        area = db.session.get(Registration, world["a"]).area.code
    login("btc")
    url = f"/quan-tri/cuoc-thi/{world['slug']}/kiem-tra/nhap-thi-sinh"
    good = f"Vũ Thị Lan,02/03/1988,Nữ,001188000777,0912000777,,{area},,Người dân"
    bad = f"Vũ Văn Nam,02/03/1988,Nam,001188000778,0912000778,,{area},,Người dân"
    html = _html(client.post(url, data={"file": (_csv(good, bad), "ds.csv")}, content_type="multipart/form-data"))
    assert "1/2 hàng lỗi" in html and "Chữ số thứ 4" in html and "Xác nhận nhập" not in html
    html = _html(client.post(url, data={"file": (_csv(good), "ds.csv")}, content_type="multipart/form-data"))
    assert "Có thể nhập 1 người" in html and "Xác nhận nhập" in html
    token = re.search(r'name="token"[^>]*value="([^"]+)"', html)
    html = _html(client.post(f"{url}/xac-nhan", data={"token": token.group(1)}, follow_redirects=True))
    assert "Đã nhập 1 người" in html
    with app.app_context():
        assert db.session.scalar(select(User).where(User.cccd == "001188000777")).full_name == "Vũ Thị Lan"
    resp = client.get(f"{url}/mau.xlsx")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert sheet["A1"].value == "Họ và tên" and sheet["D1"].value == "Số CCCD"


def _text_of(resp) -> str:
    if resp.mimetype.endswith("spreadsheetml.sheet"):
        sheet = load_workbook(io.BytesIO(resp.data)).active
        return " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    return resp.get_data(as_text=True)


def test_public_pages_and_exports_never_show_cccd_or_phone(client, world, app):
    """Every page and download anyone can open without signing in, with results on the boards."""
    with app.app_context():
        from quizapp.services import attempts

        reg = db.session.get(Registration, world["c"])
        rnd = reg.contest.rounds[0]
        for rid in (world["a"], world["c"]):
            entry = db.session.get(Registration, rid)
            a = attempts.start_attempt(rid, rnd.id, utcnow())
            attempts.submit_attempt(a.id, entry.user_id, utcnow())
        round_id = rnd.id
        rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods
                 and not r.rule.startswith(("/quan-tri", "/static")) and set(r.arguments) <= {"slug", "round_id", "fmt"}]
    secrets = [world["cccd_a"], world["phone_a"], world["cccd_c"], world["phone_c"]]
    shown = 0
    for rule in rules:
        for fmt in (("csv", "xlsx") if "fmt" in rule.arguments else ("",)):
            url = (rule.rule.replace("<slug>", world["slug"]).replace("<int:round_id>", str(round_id))
                   .replace("<fmt>", fmt))
            resp = client.get(url)
            if resp.status_code == 200:
                shown += 1
                body = _text_of(resp)
                assert not any(secret in body for secret in secrets), url
    assert shown >= 5
