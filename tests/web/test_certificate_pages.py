"""Certificates on the web: the download on the result page (owner only), the public verification page, the
contestant's history page."""
import io
import re
import unicodedata
import uuid
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt, Registration, utcnow
from quizapp.services import certificates, integrity, results
from tests.factories import register_contestant
from tests.results_factories import make_world


@pytest.fixture
def closed(app):
    """A round that closed two days ago (pages use the real clock): Hoa wins, Nam takes part, Lan did not play."""
    with app.app_context():
        world = make_world(utcnow() - timedelta(days=8))
        hoa = register_contestant(world.contest, utcnow(), n=3, full_name="Nguyễn Thị Hoa",
                                  birth_date=date(1991, 4, 2), gender="nu")
        nam = register_contestant(world.contest, utcnow(), n=4, full_name="Trần Văn Nam")
        lan = register_contestant(world.contest, utcnow(), n=5, full_name="Phạm Thị Lan")
        world.attempt(hoa, 0, 5, seconds=120)
        world.attempt(nam, 5, 3, seconds=100)
        attempt = {r: db.session.scalar(select(Attempt.id).where(Attempt.registration_id == r.id)) for r in (hoa, nam)}
        return {"round": world.round.id, "slug": world.contest.slug, "hoa": hoa.user, "nam": nam.user,
                "lan": lan.user, "hoa_attempt": attempt[hoa], "nam_attempt": attempt[nam], "hoa_reg": hoa.id,
                "commune": hoa.area.name,
                "secrets": [hoa.user.cccd, hoa.user.phone, "1991-04-02", "02/04/1991"]}


def _publish(app, round_id, reason=""):
    with app.app_context():
        later = utcnow()
        draft = results.compute(round_id, later)
        results.publish(results.approve(draft.id, later).id, later, reason=reason)


def _code(app, user, round_id):
    with app.app_context():
        return certificates.current(user.id, round_id).code


def _pdf_text(data: bytes) -> str:
    return unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def test_before_publication_the_result_page_offers_no_certificate_and_says_when(client, login, closed):
    login(closed["hoa"])
    html = client.get(f"/bai-thi/{closed['hoa_attempt']}/ket-qua").get_data(as_text=True)
    assert "Tải giấy chứng nhận" not in html
    assert "khi Ban Tổ chức công bố kết quả chính thức" in html
    history = client.get("/ca-nhan/lich-su").get_data(as_text=True)
    assert "Tải giấy chứng nhận" not in history and "sẽ có ở đây sau khi Ban Tổ chức công bố" in history


def test_the_owner_downloads_the_certificate_from_the_result_page(app, client, login, closed):
    _publish(app, closed["round"])
    login(closed["hoa"])
    html = client.get(f"/bai-thi/{closed['hoa_attempt']}/ket-qua").get_data(as_text=True)
    assert "Tải giấy chứng nhận (PDF)" in html and "Giải Nhất" in html
    link = re.search(r'href="(/ca-nhan/chung-nhan/[^"]+\.pdf)"', html).group(1)
    resp = client.get(link)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "no-store" in resp.headers["Cache-Control"] and "attachment" in resp.headers["Content-Disposition"]
    text = _pdf_text(resp.data)
    code = _code(app, closed["hoa"], closed["round"])
    assert "Nguyễn Thị Hoa" in text and "Giải Nhất" in text and f"http://localhost/chung-nhan/{code}" in text
    for secret in closed["secrets"]:
        assert secret not in text


def test_another_contestant_or_a_visitor_cannot_download_it(app, client, login, closed):
    _publish(app, closed["round"])
    url = f"/ca-nhan/chung-nhan/{_code(app, closed['hoa'], closed['round'])}.pdf"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/dang-nhap" in anonymous.headers["Location"]
    login(closed["nam"])
    resp = client.get(url)
    assert resp.status_code == 404 and "Không tìm thấy giấy chứng nhận" in resp.get_data(as_text=True)
    assert client.get("/ca-nhan/chung-nhan/ABCDEFGHIJKL.pdf").status_code == 404
    own = client.get(f"/bai-thi/{closed['nam_attempt']}/ket-qua").get_data(as_text=True)
    assert "Tải giấy chứng nhận (PDF)" in own  # Nam has his own (second place)
    link = re.search(r'href="(/ca-nhan/chung-nhan/[^"]+\.pdf)"', own).group(1)
    text = _pdf_text(client.get(link).data)
    assert "Trần Văn Nam" in text and "Giải Nhì" in text and "Nguyễn Thị Hoa" not in text


def test_the_verification_page_shows_name_and_commune_and_nothing_personal(app, client, closed):
    _publish(app, closed["round"])
    code = _code(app, closed["hoa"], closed["round"])
    resp = client.get(f"/chung-nhan/{code}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert "Nguyễn Thị Hoa" in html and closed["commune"] in html and "Giải Nhất" in html and "hợp lệ" in html
    for secret in closed["secrets"]:
        assert secret not in html
    typed = client.get("/chung-nhan", query_string={"ma": f" {code[:4].lower()}-{code[4:8]} {code[8:]} "})
    assert typed.status_code == 302 and typed.headers["Location"].endswith(f"/chung-nhan/{code}")


def test_an_unknown_code_gets_a_clear_message_and_404(client, closed):
    form = client.get("/chung-nhan")
    assert form.status_code == 200 and 'name="ma"' in form.get_data(as_text=True)
    for url in ("/chung-nhan/ABCDEFGHIJKL", "/chung-nhan/khong-phai-ma", "/chung-nhan?ma=123"):
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 404, url
        assert "Không tìm thấy giấy chứng nhận có mã này" in html and 'name="ma"' in html, url


def test_after_a_correction_the_old_code_says_which_version_replaced_it(app, client, login, closed):
    _publish(app, closed["round"])
    old = _code(app, closed["nam"], closed["round"])
    with app.app_context():
        integrity.disqualify(closed["hoa_reg"], None, utcnow(), "Trùng người")
    _publish(app, closed["round"], reason="Loại một bài thi trùng người.")
    new = _code(app, closed["nam"], closed["round"])
    assert new != old
    html = client.get(f"/chung-nhan/{old}").get_data(as_text=True)
    assert "đã được thay thế bởi phiên bản 2" in html and "Trần Văn Nam" in html
    assert "Giải Nhất" in html  # Nam wins once Hoa's entry is taken out
    login(closed["nam"])
    resp = client.get(f"/ca-nhan/chung-nhan/{old}.pdf")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/ca-nhan/chung-nhan/{new}.pdf")


def test_history_lists_contests_attempts_and_certificates(app, client, login, closed):
    _publish(app, closed["round"])
    with app.app_context():
        world_round = closed["round"]
        reg = db.session.get(Registration, closed["hoa_reg"])
        attempt = db.session.get(Attempt, closed["hoa_attempt"])
        submitted = attempt.submitted_at.astimezone(results.display_tz()).strftime("%H:%M %d/%m/%Y")
        title = reg.contest.title
    login(closed["hoa"])
    home = client.get("/").get_data(as_text=True)
    assert 'href="/ca-nhan/lich-su"' in home
    html = client.get("/ca-nhan/lich-su").get_data(as_text=True)
    assert title in html and "Lượt 1" in html and submitted in html and "5/5" in html and "100,00" in html
    assert 'tabindex="0" role="region" aria-label="Các lượt thi' in html
    assert "Tải giấy chứng nhận (PDF)" in html and f"/chung-nhan/{_code(app, closed['hoa'], world_round)}" in html
    login(closed["lan"])
    empty = client.get("/ca-nhan/lich-su").get_data(as_text=True)
    assert "Bạn chưa nộp bài thi nào ở cuộc thi này" in empty


@pytest.fixture
def limited_client(database_url, _migrated_app):
    from quizapp import create_app

    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test", "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "RATELIMIT_CERTIFICATE_LOOKUP": "3 per minute"})
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


def test_verification_is_rate_limited_per_address(limited_client):
    statuses = [limited_client.get("/chung-nhan/ABCDEFGHIJKL").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert "thao tác quá nhanh" in limited_client.get("/chung-nhan").get_data(as_text=True)
