"""Contest day survives a Redis outage: limits are counted per worker in memory, and go back to Redis after.

The app points at a port where nothing listens, or at a throwaway redis-server this test starts and kills
(never the shared one). /healthz says "degraded" (200) while Redis is away.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import time
import uuid
from contextlib import contextmanager

import pytest
import redis

from quizapp.extensions import db
from quizapp.models import utcnow
from tests.journey import PASSWORD, make_journey_contest
from tests.net import free_port
from tests.web.test_api import Api, _registration

REDIS_SERVER = shutil.which("redis-server")



@pytest.fixture
def make_app(database_url, _migrated_app):
    """Apps as in production (limits and CSRF on) with their own Redis URL and counters."""
    from quizapp import create_app

    made = []

    def make(redis_url: str):
        app = create_app({
            "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True,
            "SECRET_KEY": "test-secret", "RATELIMIT_ENABLED": True, "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        })
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def journey(app):
    with app.app_context():
        return make_journey_contest(utcnow())


def _contestant_journey(app, journey, n: int = 1) -> dict:
    """Register, sign in again from another browser, start, save every answer and submit: the status codes."""
    codes = {}
    first = Api(app)
    first.session()
    resp = first.call("POST", f"/api/v1/contests/{journey.slug}/register", _registration(journey, n))
    codes["register"] = resp.status_code
    phone = _registration(journey, n)["phone"]
    api = Api(app)
    api.session()
    resp = api.call("POST", "/api/v1/login", {"identifier": phone, "password": PASSWORD})
    codes["sign_in"] = resp.status_code
    if resp.status_code != 200:
        return codes
    api.token = resp.get_json()["csrf_token"]
    resp = api.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts")
    codes["start"] = resp.status_code
    if resp.status_code != 201:
        return codes
    attempt = resp.get_json()
    saves = [api.call("PUT", f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}",
                      {"option_id": q["options"][0]["id"]}).status_code for q in attempt["questions"]]
    codes["save"] = sorted(set(saves))
    resp = api.call("POST", f"/api/v1/attempts/{attempt['id']}/submit", {"prediction": 12})
    codes["submit"] = resp.status_code
    codes["submitted"] = resp.status_code == 200 and resp.get_json()["status"] == "submitted"
    return codes


JOURNEY_OK = {"register": 201, "sign_in": 200, "start": 201, "save": [200], "submit": 200, "submitted": True}


# ---------------------------------------------------------------- Redis down from the start


def test_with_redis_down_contestants_register_sign_in_start_save_and_submit(make_app, journey, caplog):
    app = make_app(f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.INFO):
        assert _contestant_journey(app, journey, 1) == JOURNEY_OK
        assert _contestant_journey(app, journey, 2) == JOURNEY_OK
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and "redis" in r.getMessage().lower()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # once per outage, not once per request
    assert "0970000001" not in caplog.text and "Hoàng Văn" not in caplog.text  # nothing personal in the log
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "degraded", "database": "ok", "redis": "degraded"}


def test_with_redis_down_limits_still_hold_per_worker(make_app, journey):
    app = make_app(f"redis://127.0.0.1:{free_port()}/0")
    guesses = []
    for i in range(11):  # 10 tries per minute for one account name, counted in this worker's memory
        api = Api(app)
        api.session()
        guesses.append(api.call("POST", "/api/v1/login", {"identifier": "0970000001", "password": f"sai{i}"}))
    assert [r.status_code for r in guesses[:10]] == [401] * 10
    assert guesses[10].status_code == 429
    assert guesses[10].get_json()["error"] == "rate_limited" and int(guesses[10].headers["Retry-After"]) > 0


def test_healthz_says_ok_for_redis_when_it_answers(make_app):
    if not REDIS_SERVER:
        pytest.skip("redis-server is not installed")
    with _redis_server() as url:
        health = make_app(url).test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


# ---------------------------------------------------------------- Redis going away and coming back


@contextmanager
def _redis_server(port: int | None = None):
    """A throwaway redis-server on its own port (never the shared one): yields its URL, killed at the end."""
    proc, url = _start_redis(port or free_port())
    try:
        yield url
    finally:
        _stop_redis(proc)


def _start_redis(port: int):
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if client.ping():
                return proc, url
        except redis.RedisError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def _stop_redis(proc) -> None:
    proc.kill()
    proc.wait(timeout=10)


def _keys(url: str, prefix: str) -> int:
    return len(redis.Redis.from_url(url).keys(f"*{prefix}*"))


@pytest.mark.skipif(not REDIS_SERVER, reason="redis-server is not installed: cannot start and kill a Redis of our own")
def test_requests_go_on_while_redis_is_away_and_limits_return_to_redis_after(make_app, journey):
    port = free_port()
    proc, url = _start_redis(port)
    try:
        app = make_app(url)
        prefix = app.config["RATELIMIT_KEY_PREFIX"]
        api = Api(app)
        api.session()
        assert api.call("POST", f"/api/v1/contests/{journey.slug}/register",
                        _registration(journey, 1)).status_code == 201
        api.session()
        attempt = api.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts").get_json()
        question = attempt["questions"][0]
        save_url = f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}"
        assert _keys(url, prefix) > 0  # counted in Redis

        _stop_redis(proc)  # Redis goes away in the middle of the round
        saves = [api.call("PUT", save_url, {"option_id": question["options"][i % 2]["id"]}).status_code
                 for i in range(20)]
        assert saves == [200] * 20
        assert app.test_client().get("/healthz").get_json()["redis"] == "degraded"

        proc, _ = _start_redis(port)  # back, empty: the app finds it again without a restart
        assert _keys(url, prefix) == 0
        deadline = time.monotonic() + 20
        while _keys(url, prefix) == 0 and time.monotonic() < deadline:
            assert api.call("PUT", save_url, {"option_id": question["options"][0]["id"]}).status_code == 200
            time.sleep(0.2)
        assert _keys(url, prefix) > 0, "the limiter never went back to Redis"
        assert app.test_client().get("/healthz").get_json()["redis"] == "ok"
        submitted = api.call("POST", f"/api/v1/attempts/{attempt['id']}/submit", {"prediction": 3})
        assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    finally:
        _stop_redis(proc)
