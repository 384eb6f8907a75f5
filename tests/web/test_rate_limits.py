"""Rate limits with the limits on: per account for signed-in actions (an office behind one address can take
part), per address and account name for signing in; in Redis when REDIS_URL is set, shared by app servers."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import date

import pytest
import requests
from werkzeug.security import generate_password_hash

from quizapp import ROOT
from quizapp.extensions import db
from quizapp.models import Registration, User, utcnow
from tests.factories import make_bank, make_contest, register_contestant
from tests.net import free_port

REDIS_URL = os.environ.get("REDIS_URL")
PASSWORD = "matkhau123"
OFFICE = 60


@pytest.fixture
def limited_app(database_url, _migrated_app):
    """The app as in production: limits on (Redis when REDIS_URL is set), counters of this test only."""
    from quizapp import create_app

    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL or "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    })
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def office(app):
    """A contest and 60 colleagues of one agency (cheap password hashes: 60 sign-ins must stay quick)."""
    with app.app_context():
        now = utcnow()
        make_bank(10)
        contest = make_contest(now, slug="van-phong", question_count=3)
        register_contestant(contest, now, n=999)  # creates the contest's communes
        cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        phones = []
        for n in range(1, OFFICE + 1):
            user = User(role="contestant", full_name=f"Cán Bộ Số {n}", phone=f"093{n:07d}", cccd=f"0010900{n:05d}",
                        birth_date=date(1990, 1, 1), gender="nam", password_hash=cheap)
            db.session.add(Registration(contest_id=contest.id, user=user, track_id=contest.tracks[0].id,
                                        consented_at=now))
            phones.append(user.phone)
        db.session.commit()
        return {"slug": contest.slug, "round_id": contest.rounds[0].id, "phones": phones}


def _sign_in(app, phone):
    browser = app.test_client()
    resp = browser.post("/dang-nhap", data={"identifier": phone, "password": PASSWORD})
    assert resp.status_code == 302, resp.status_code
    return browser


def test_a_whole_office_behind_one_address_can_sign_in_start_and_answer(limited_app, office):
    if REDIS_URL:
        from limits.storage import RedisStorage

        with limited_app.app_context():
            from quizapp.extensions import limiter

            assert isinstance(limiter.storage, RedisStorage)
    for phone in office["phones"]:  # every test client comes from 127.0.0.1: one office address
        browser = _sign_in(limited_app, phone)
        started = browser.post(f"/cuoc-thi/{office['slug']}/dot/{office['round_id']}/bat-dau")
        assert started.status_code == 302 and "/bai-thi/" in started.headers["Location"]
        attempt_id = started.headers["Location"].rstrip("/").split("/")[-1]
        question = browser.get(f"/api/v1/attempts/{attempt_id}").get_json()["questions"][0]
        saved = browser.put(f"/api/v1/attempts/{attempt_id}/answers/{question['id']}",
                            json={"option_id": question["options"][0]["id"]})
        assert saved.status_code == 200


def test_one_account_hammering_is_slowed_down_in_vietnamese_and_nobody_else(limited_app, office):
    hammer = _sign_in(limited_app, office["phones"][0])
    url = f"/api/v1/rounds/{office['round_id']}/attempts"
    statuses = [hammer.post(url).status_code for _ in range(31)]
    assert statuses[:30] == [201] * 30 and statuses[30] == 429
    refused = hammer.post(url)
    assert refused.get_json() == {"error": "rate_limited",
                                  "message": "Bạn thao tác quá nhanh. Vui lòng chờ một lát rồi thử lại."}
    assert int(refused.headers["Retry-After"]) > 0
    page = hammer.post(f"/cuoc-thi/{office['slug']}/dot/{office['round_id']}/bat-dau")
    for _ in range(30):
        page = hammer.post(f"/cuoc-thi/{office['slug']}/dot/{office['round_id']}/bat-dau")
    assert page.status_code == 429 and "Bạn thao tác quá nhanh" in page.get_data(as_text=True)
    colleague = _sign_in(limited_app, office["phones"][1])  # same address, other account: not affected
    assert colleague.post(url).status_code == 201


def test_guessing_one_accounts_password_is_slowed_down_but_colleagues_still_sign_in(limited_app, office):
    target = office["phones"][0]
    guesses = [limited_app.test_client().post("/dang-nhap", data={"identifier": target, "password": f"sai{i}"})
               for i in range(11)]
    assert [r.status_code for r in guesses[:10]] == [200] * 10 and guesses[10].status_code == 429
    # written another way, it is still the same account
    other_form = limited_app.test_client().post("/dang-nhap", data={"identifier": "+84 " + target[1:], "password": "x"})
    assert other_form.status_code == 429
    _sign_in(limited_app, office["phones"][1])


# ---------------------------------------------------------------- two app servers, one Redis



def _serve(database_url: str, prefix: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="two-servers", REDIS_URL=REDIS_URL,
               RATELIMIT_ENABLED="1", RATELIMIT_KEY_PREFIX=prefix)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                             "--threads", "4", "wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return proc, base
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the app server did not start")


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL: limits are shared between app servers through Redis")
def test_two_app_servers_share_one_accounts_counter_through_redis(database_url, office):
    prefix = f"test-{uuid.uuid4().hex}"
    servers = [_serve(database_url, prefix), _serve(database_url, prefix)]
    try:
        session = requests.Session()  # one browser; its cookie is good on both servers (same secret key)
        token = session.get(f"{servers[0][1]}/api/v1/session").json()["csrf_token"]
        login = session.post(f"{servers[0][1]}/api/v1/login", json={"identifier": office["phones"][0],
                                                                     "password": PASSWORD},
                             headers={"X-CSRFToken": token})
        assert login.status_code == 200, login.text
        token = login.json()["csrf_token"]
        results = {base: [] for _, base in servers}
        for i in range(40):  # 30 per minute per account, alternating between the servers
            base = servers[i % 2][1]
            resp = session.post(f"{base}/api/v1/rounds/{office['round_id']}/attempts", headers={"X-CSRFToken": token})
            results[base].append(resp.status_code)
        allowed = sum(code == 201 for codes in results.values() for code in codes)
        assert allowed == 30, results  # not 30 on each server
        assert all(429 in codes for codes in results.values())
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=10)
