"""Public results and leaderboard pages, the leaderboard JSON API, and the organiser's results workflow."""
import csv
import hashlib
import io
import json
import re
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Contest, Registration, ResultSet, User, utcnow
from quizapp.services import results
from tests.factories import make_staff, register_contestant
from tests.results_factories import make_world


@pytest.fixture
def closed(app):
    """A round that closed two days ago (pages use the real clock), with two real registered contestants."""
    with app.app_context():
        world = make_world(utcnow() - timedelta(days=8))
        hoa = register_contestant(world.contest, utcnow(), n=3, full_name="Nguyễn Thị Hoa",
                                  birth_date=date(1991, 4, 2), gender="nu")
        nam = register_contestant(world.contest, utcnow(), n=4, full_name="Trần Văn Nam")
        world.attempt(hoa, 0, 5, seconds=120)
        world.attempt(nam, 5, 3, seconds=100)
        return {"round": world.round.id, "slug": world.contest.slug, "hoa": hoa.user_id, "nam": nam.user_id,
                "secrets": [hoa.user.cccd, hoa.user.phone, nam.user.cccd, nam.user.phone, "1991-04-02", "02/04/1991"]}


def _publish(app, round_id):
    with app.app_context():
        later = utcnow()
        draft = results.compute(round_id, later)
        return results.publish(results.approve(draft.id, later).id, later).digest


def test_results_page_before_publication_says_so(client, closed):
    resp = client.get(f"/ket-qua/dot/{closed['round']}")
    assert resp.status_code == 200
    assert "Chưa công bố kết quả" in resp.get_data(as_text=True)


def test_public_results_page_needs_no_login_and_its_digest_matches_the_download(app, client, closed):
    digest = _publish(app, closed["round"])
    html = client.get(f"/ket-qua/dot/{closed['round']}").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in html and "Giải Nhất" in html and digest in html
    assert "<svg" in html and "<script" not in html  # charts drawn on the server
    link = re.search(r'href="([^"]*tai-ve\.csv[^"]*)"', html).group(1).replace("&amp;", "&")
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert hashlib.sha256(download.data).hexdigest() == digest


def test_public_pages_never_show_identity_numbers_phone_or_birth_date(app, client, closed):
    _publish(app, closed["round"])
    pages = [f"/ket-qua/dot/{closed['round']}", f"/ket-qua/dot/{closed['round']}/tai-ve.csv",
             f"/bang-xep-hang/{closed['slug']}?dot={closed['round']}&bang=citizens",
             f"/bang-xep-hang/{closed['slug']}/tham-gia?dot={closed['round']}",
             f"/api/v1/contests/{closed['slug']}/leaderboard?round_id={closed['round']}&track=citizens"]
    for url in pages:
        resp = client.get(url)
        assert resp.status_code == 200, url
        body = json.dumps(resp.get_json(), ensure_ascii=False) if resp.is_json else resp.get_data(as_text=True)
        assert "Nguyễn Thị Hoa" in body or "tham-gia" in url, url
        for secret in closed["secrets"]:
            assert secret not in body, (url, secret)


def test_a_superseded_version_stays_readable_with_its_reason_shown_on_the_new_one(app, client, closed):
    first = _publish(app, closed["round"])
    with app.app_context():
        later = utcnow()
        draft = results.compute(closed["round"], later)
        results.publish(results.approve(draft.id, later).id, later, reason="Sửa tên đơn vị.")
    html = client.get(f"/ket-qua/dot/{closed['round']}").get_data(as_text=True)
    assert "Sửa tên đơn vị." in html and "Phiên bản 1" in html and "đã được thay thế" in html
    old = client.get(f"/ket-qua/dot/{closed['round']}/phien-ban/1").get_data(as_text=True)
    assert first in old and "Đã được thay thế" in old


def test_leaderboard_shows_a_signed_in_contestant_their_own_place_and_is_never_cached(client, login, closed):
    url = f"/bang-xep-hang/{closed['slug']}?dot={closed['round']}&bang=citizens"
    anonymous = client.get(url)
    assert anonymous.status_code == 200 and "Vị trí của bạn" not in anonymous.get_data(as_text=True)
    assert anonymous.headers["Cache-Control"].startswith("public")
    with client.application.app_context():
        nam = db.session.get(User, closed["nam"])
    login(nam)
    overview = client.get(f"/cuoc-thi/{closed['slug']}/thi").get_data(as_text=True)
    assert "Bảng xếp hạng và thứ hạng của bạn" in overview and f"dot={closed['round']}" in overview
    mine = client.get(url)
    html = mine.get_data(as_text=True)
    assert "Vị trí của bạn" in html and "Hạng 2" in html
    assert "no-store" in mine.headers["Cache-Control"] and "private" in mine.headers["Cache-Control"]


def test_participation_page_lists_districts_and_units(client, closed):
    html = client.get(f"/bang-xep-hang/{closed['slug']}/tham-gia?dot={closed['round']}").get_data(as_text=True)
    for name in ("Huyện Đông", "Huyện Tây", "Sở A", "Sở B", "UBND xã C", "Khối sở", "Khối xã"):
        assert name in html


def test_api_boards_tables_and_standing(client, login, closed):
    base = f"/api/v1/contests/{closed['slug']}/leaderboard"
    board = client.get(f"{base}?round_id={closed['round']}&track=citizens").get_json()
    assert [e["full_name"] for e in board["entries"]] == ["Nguyễn Thị Hoa", "Trần Văn Nam"]
    assert board["total"] == 2 and board["entries"][0]["rank"] == 1 and board["prediction_actual"] == 1
    assert set(board["entries"][0]) >= {"unit", "area", "correct", "duration_ms", "prediction_error"}
    assert client.get(f"{base}?track=nobody").status_code == 404

    areas = client.get(f"{base}/areas?round_id={closed['round']}").get_json()
    assert {r["name"] for r in areas["rows"]} == {"Huyện Đông", "Huyện Tây"}
    units = client.get(f"{base}/units?round_id={closed['round']}").get_json()
    assert {r["code"] for r in units["rows"]} == {"SA", "SB", "UC"}

    me = client.get(f"{base}/me?round_id={closed['round']}")
    assert me.status_code == 401 and me.get_json()["error"] == "unauthorized"
    with client.application.app_context():
        hoa = db.session.get(User, closed["hoa"])
    login(hoa)
    me = client.get(f"{base}/me?round_id={closed['round']}")
    assert me.status_code == 200 and "no-store" in me.headers["Cache-Control"]
    data = me.get_json()
    assert data["ranked"] and data["places"][0] == {"scope": "track", "name": "Người dân", "rank": 1, "of": 2}
    assert "cccd" not in me.get_data(as_text=True)


def test_organizer_computes_reviews_approves_and_publishes_through_the_pages(app, client, login, closed, organizer):
    login(organizer)
    round_id, base = closed["round"], f"/quan-tri/cuoc-thi/{closed['slug']}/ket-qua"
    assert "Kết quả các đợt thi" in client.get(f"{base}/").get_data(as_text=True)
    resp = client.post(f"{base}/dot/{round_id}/tinh", follow_redirects=True)
    assert "Đã tính kết quả" in resp.get_data(as_text=True)
    with app.app_context():
        draft = db.session.scalar(select(ResultSet))
        draft_id = draft.id
    page = client.get(f"{base}/dot/{round_id}").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in page and "Duyệt kết quả" in page
    export = client.get(f"{base}/dot/{round_id}/xuat.csv")
    assert export.status_code == 200 and export.data[3:].decode().startswith("Hạng,Giải,Họ và tên,Đối tượng/Bảng,")
    resp = client.post(f"{base}/phien-ban/{draft_id}/duyet", follow_redirects=True)
    assert "đánh dấu ô xác nhận" in resp.get_data(as_text=True)  # approving asks to confirm first
    resp = client.post(f"{base}/phien-ban/{draft_id}/duyet", data={"confirm": "1"}, follow_redirects=True)
    assert "Đã duyệt kết quả" in resp.get_data(as_text=True)
    resp = client.post(f"{base}/phien-ban/{draft_id}/cong-bo", data={"reason": ""}, follow_redirects=True)
    assert "đánh dấu ô xác nhận" in resp.get_data(as_text=True)
    resp = client.post(f"{base}/phien-ban/{draft_id}/cong-bo", data={"reason": "", "confirm": "1"},
                       follow_redirects=True)
    assert "Đã công bố kết quả" in resp.get_data(as_text=True)
    with app.app_context():
        digest = db.session.get(ResultSet, draft_id).digest
    assert digest in client.get(f"/ket-qua/dot/{round_id}").get_data(as_text=True)


def test_only_organizers_change_results_and_a_moderator_reads_only_their_unit(app, client, login, closed, organizer):
    base = f"/quan-tri/cuoc-thi/{closed['slug']}/ket-qua"
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == closed["slug"]))
        hoa = db.session.scalar(select(Registration).where(Registration.user_id == closed["hoa"]))
        make_staff("kiemduyet", "moderator", [contest], area=hoa.area)  # watches Hoa's commune only
    login(organizer)
    client.post(f"{base}/dot/{closed['round']}/tinh")
    client.post("/dang-xuat")
    assert client.get(f"{base}/").status_code in (302, 401)
    login("kiemduyet")
    page = client.get(f"{base}/dot/{closed['round']}").get_data(as_text=True)
    assert "Duyệt kết quả" not in page
    assert client.post(f"{base}/dot/{closed['round']}/tinh").status_code == 403
    export = client.get(f"{base}/dot/{closed['round']}/xuat.csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert {row["Họ và tên"] for row in rows} == {"Nguyễn Thị Hoa"}  # their own commune only, not Trần Văn Nam's
    assert "Số điện thoại" not in rows[0] and "Số CCCD" not in rows[0]  # a moderator never gets contacts
    body = export.data.decode("utf-8-sig")
    assert not any(secret in body for secret in closed["secrets"])


def test_organizer_sets_prizes_per_track_and_a_rounds_own_prizes(app, client, login, closed, organizer):
    login(organizer)
    url = f"/quan-tri/cuoc-thi/{closed['slug']}/ket-qua/giai-thuong"
    with app.app_context():
        contest_id = db.session.scalar(select(Registration.contest_id))
    page = client.get(url).get_data(as_text=True)
    assert "Cán bộ, công chức, viên chức" in page and "Người dân" in page  # one row per track
    data = {"ind-officials-first": 2, "ind-officials-second": 3, "ind-officials-third": 4,
            "ind-officials-consolation": 10, "ind-citizens-first": 1, "ind-citizens-second": 1,
            "ind-citizens-third": 2, "ind-citizens-consolation": 5, "col-first": 1, "col-second": 2, "col-third": 0}
    resp = client.post(url, data=data, follow_redirects=True)
    assert "Đã lưu cơ cấu giải thưởng" in resp.get_data(as_text=True)
    with app.app_context():
        config = db.session.get(Contest, contest_id).prize_config
    assert config == {"individual": {"officials": {"first": 2, "second": 3, "third": 4, "consolation": 10},
                                     "citizens": {"first": 1, "second": 1, "third": 2, "consolation": 5}},
                      "collective": {"first": 1, "second": 2, "third": 0}}
    bad = client.post(url, data=data | {"col-first": "nhiều"}, follow_redirects=True).get_data(as_text=True)
    assert "phải là số nguyên" in bad
    client.post(f"{url}?dot={closed['round']}", data=data | {"ind-citizens-first": 3})
    with app.app_context():
        from quizapp.models import Round
        from quizapp.services import results as results_service

        rnd = db.session.get(Round, closed["round"])
        assert results_service.prize_config(rnd)["individual"]["citizens"]["first"] == 3
        assert db.session.get(Contest, contest_id).prize_config["individual"]["citizens"]["first"] == 1


def test_demo_contest_page_links_to_published_results_and_a_live_board(client, seeded):
    html = client.get("/cuoc-thi/cchc-2026").get_data(as_text=True)
    link = re.search(r'href="(/ket-qua/dot/\d+)"', html)
    assert link and "Bảng xếp hạng" in html
    page = client.get(link.group(1)).get_data(as_text=True)
    assert "Giải Nhất" in page and re.search(r"[0-9a-f]{64}", page)


def _sheet_rows(data: bytes) -> tuple[object, list[dict]]:
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    return sheet, [dict(zip(header, r)) for r in sheet.iter_rows(min_row=2)]


def test_organizer_downloads_an_excel_file_in_vietnamese_with_the_winners_contacts(app, client, login, closed,
                                                                                   organizer):
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == closed["slug"]))
        contest.prize_config = {"individual": {"first": 1, "second": 0, "third": 0, "consolation": 0}}
        db.session.commit()
        hoa, nam = db.session.get(User, closed["hoa"]), db.session.get(User, closed["nam"])
        hoa_contacts, nam_contacts = (hoa.phone, hoa.cccd), (nam.phone, nam.cccd)
    login(organizer)
    base = f"/quan-tri/cuoc-thi/{closed['slug']}/ket-qua"
    client.post(f"{base}/dot/{closed['round']}/tinh")
    page = client.get(f"{base}/dot/{closed['round']}").get_data(as_text=True)
    assert "liên hệ trao giải" in page and "lien-he=0" in page
    resp = client.get(f"{base}/dot/{closed['round']}/xuat.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert "no-store" in resp.headers.get("Cache-Control", "")
    sheet, rows = _sheet_rows(resp.data)
    assert [c.value for c in sheet[1]][:4] == ["Hạng", "Giải", "Họ và tên", "Đối tượng/Bảng"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    first, second = rows
    assert first["Họ và tên"].value == "Nguyễn Thị Hoa" and first["Giải"].value == "Giải Nhất"
    assert isinstance(first["Nộp bài lúc"].value, datetime) and first["Nộp bài lúc"].value.tzinfo is None
    assert first["Nộp bài lúc"].number_format == "dd/mm/yyyy hh:mm:ss"
    assert isinstance(first["Thời gian làm bài"].value, (timedelta, time))
    assert first["Thời gian làm bài"].number_format in ("[m]:ss", "[h]:mm:ss")
    assert first["Thời gian làm bài"].value == timedelta(seconds=120)
    assert first["Điểm"].value == 100 and first["Điểm"].number_format == "0.00"
    assert (first["Số điện thoại"].value, first["Số CCCD"].value) == hoa_contacts
    assert first["Ngày sinh"].value.date() == date(1991, 4, 2)
    assert second["Họ và tên"].value == "Trần Văn Nam" and second["Giải"].value is None
    assert (second["Số điện thoại"].value, second["Số CCCD"].value, second["Ngày sinh"].value) == (None, None, None)
    everything = {str(c.value) for r in sheet.iter_rows() for c in r}
    assert not everything & set(nam_contacts)  # not a winner: their phone and CCCD are nowhere in the file

    without = client.get(f"{base}/dot/{closed['round']}/xuat.csv?lien-he=0")
    assert "Số điện thoại" not in without.data.decode("utf-8-sig").splitlines()[0]
    assert hoa_contacts[0] not in without.data.decode("utf-8-sig")
    with app.app_context():
        from quizapp.models import AuditLog

        logged = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "result.export_contacts")))
    assert len(logged) == 1 and logged[0].after["winners"] == 1 and hoa_contacts[0] not in str(logged[0].after)
