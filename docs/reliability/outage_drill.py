"""Outage drill: Redis and the database go away under a real gunicorn (2 sync workers), and come back.

Everything is throwaway and on 127.0.0.1: a fresh PostgreSQL database next to TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test, dropped at the end), a redis-server of its own on a free port (killed
and restarted by the drill; the shared Redis is never touched), and a TCP proxy in front of PostgreSQL that the
drill cuts and mends (the shared PostgreSQL keeps running). Prints a Markdown table (docs/reliability/redis-and-database.md).

    .venv/bin/python docs/reliability/outage_drill.py            # ~1 minute
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

from tests import dbutil  # noqa: E402
from tests.journey import PASSWORD  # noqa: E402
from tests.web.test_database_outage import _free_port, _Proxy  # noqa: E402

WORKERS = 2
SECRET = "outage-drill"


def _registration(area_id: int, n: int) -> dict:
    from datetime import date

    from tests.journey import cccd_for

    born = date(1990, 7, 2)
    letters = "".join("ABCDEGHIKLMNOPQRSTUVXY"[int(d)] for d in str(n))  # names have no digits
    return {"full_name": f"Thí Sinh Diễn Tập {letters}", "birth_date": born.isoformat(), "gender": "nam",
            "cccd": cccd_for(born, "nam", n), "phone": f"096{n:07d}", "email": "", "area_id": area_id,
            "unit_id": None, "category": "citizen", "password": PASSWORD, "consent": True}


class Client:
    """One contestant's browser, over HTTP, with the session's CSRF token."""

    def __init__(self, base: str):
        self.base, self.http, self.token = base, requests.Session(), None
        self.log: list[tuple[int, float]] = []

    def call(self, method: str, path: str, body=None, accept: str = "application/json"):
        t = time.perf_counter()
        resp = self.http.request(method, self.base + path, json=body, timeout=30,
                                 headers={"X-CSRFToken": self.token or "", "Accept": accept})
        self.log.append((resp.status_code, time.perf_counter() - t))
        if resp.headers.get("Content-Type", "").startswith("application/json"):
            token = resp.json().get("csrf_token") if isinstance(resp.json(), dict) else None
            self.token = token or self.token
        return resp


def journey(base: str, seed: dict, n: int) -> list[tuple[int, float]]:
    """Register, sign in from a second browser, start, save every answer, submit: (status, seconds) of each call."""
    first = Client(base)
    first.call("GET", "/api/v1/session")
    first.call("POST", f"/api/v1/contests/{seed['slug']}/register", _registration(seed["area_id"], n))
    c = Client(base)
    c.call("GET", "/api/v1/session")
    c.call("POST", "/api/v1/login", {"identifier": f"096{n:07d}", "password": PASSWORD})
    started = c.call("POST", f"/api/v1/rounds/{seed['round_id']}/attempts")
    if started.status_code == 201:
        attempt = started.json()
        for q in attempt["questions"]:
            c.call("PUT", f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}", {"option_id": q["options"][0]["id"]})
        c.call("POST", f"/api/v1/attempts/{attempt['id']}/submit", {"prediction": 5})
    return first.log + c.log


def journeys(base: str, seed: dict, numbers: range) -> list[tuple[int, float]]:
    with ThreadPoolExecutor(4) as pool:
        return [call for calls in pool.map(lambda n: journey(base, seed, n), numbers) for call in calls]


def summary(calls: list[tuple[int, float]]) -> str:
    codes: dict[int, int] = {}
    for code, _ in calls:
        codes[code] = codes.get(code, 0) + 1
    times = sorted(t for _, t in calls)
    p95 = times[int(len(times) * 0.95) - 1] if times else 0
    shown = ", ".join(f"{n}× {code}" for code, n in sorted(codes.items()))
    return f"{len(calls)} requests: {shown}; median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"


def start_redis(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    for _ in range(100):
        try:
            client.ping()
            return proc
        except redis.RedisError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def seed_contest(db_url: str) -> dict:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db
    from quizapp.models import utcnow
    from tests.journey import make_journey_contest

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        j = make_journey_contest(utcnow(), slug="dien-tap")
        db.engine.dispose()
    return {"slug": j.slug, "round_id": j.round_id, "area_id": j.area_ids[0]}


def guesses(base: str, n: int, account: str) -> int:
    """How many of n wrong-password sign-ins for one account name were let through (not 429)."""
    allowed = 0
    for i in range(n):
        c = Client(base)
        c.call("GET", "/api/v1/session")
        allowed += c.call("POST", "/api/v1/login", {"identifier": account, "password": f"sai{i}"}).status_code != 429
    return allowed


def main() -> None:
    if not shutil.which("redis-server"):
        sys.exit("redis-server is not installed")
    from sqlalchemy.engine import make_url

    db_url = dbutil.create_pg_database("quizapp_drill")
    redis_port, app_port = _free_port(), _free_port()
    real = make_url(db_url)
    proxy = _Proxy((real.host or "127.0.0.1", real.port or 5432))
    redis_proc = gunicorn = None
    rows = []
    log_file = tempfile.NamedTemporaryFile("w+", suffix=".log")  # noqa: SIM115  (gunicorn's stderr: the app's warnings
    try:
        seed = seed_contest(db_url)
        proxy.start()
        redis_proc = start_redis(redis_port)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        prefix = f"drill-{uuid.uuid4().hex[:8]}"
        env = dict(os.environ, DATABASE_URL="postgresql://" + real.set(host="127.0.0.1", port=proxy.port)
                   .render_as_string(hide_password=False).split("://", 1)[1], REDIS_URL=redis_url,
                   SECRET_KEY=SECRET, RATELIMIT_ENABLED="1", RATELIMIT_KEY_PREFIX=prefix)
        env.pop("TRUSTED_PROXIES", None)
        gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{app_port}", "--workers",
                                     str(WORKERS), "--threads", "1", "wsgi:app"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=log_file)
        base = f"http://127.0.0.1:{app_port}"
        for _ in range(300):
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        health = lambda: requests.get(base + "/healthz", timeout=5)  # noqa: E731
        keys = lambda: len(redis.Redis(port=redis_port).keys(f"*{prefix}*"))  # noqa: E731

        rows.append(("Nothing wrong (baseline)", "20 contestants: register → sign in → start → 5 saves → submit",
                     summary(journeys(base, seed, range(1, 21))), f"/healthz {health().json()}"))
        rows.append(("Redis up: 15 wrong passwords for one account", "15 sign-ins from 15 browsers",
                     f"{guesses(base, 15, '0960000001')} of 15 let through, the rest 429", "limit 10/min per account, shared"))

        redis_proc.kill()
        redis_proc.wait()
        t = time.perf_counter()
        calls = journeys(base, seed, range(21, 41))
        rows.append(("Redis killed", "20 more contestants, same journey", summary(calls),
                     f"/healthz {health().status_code} {health().json()}"))
        rows.append(("Redis down: 25 wrong passwords for one account", "25 sign-ins from 25 browsers",
                     f"{guesses(base, 25, '0960000002')} of 25 let through, the rest 429",
                     f"counted per worker ({WORKERS} workers)"))
        down_for = time.perf_counter() - t

        redis_proc = start_redis(redis_port)
        t = time.perf_counter()
        back = Client(base)
        back.call("GET", "/api/v1/session")
        back.call("POST", "/api/v1/login", {"identifier": "0960000001", "password": PASSWORD})
        polls = 0
        while keys() == 0 and time.perf_counter() - t < 120:
            back.call("GET", "/api/v1/session")
            back.call("POST", "/api/v1/login", {"identifier": "0960000001", "password": PASSWORD})
            polls += 1
            time.sleep(0.5)
        rows.append(("Redis restarted (empty)", f"after {down_for:.0f} s away; a sign-in every 0.5 s",
                     f"counters in Redis again after {time.perf_counter() - t:.1f} s ({polls} sign-ins), "
                     f"{summary(back.log)}", f"/healthz {health().json()}"))

        browsers = []
        for n in range(3, 8):  # five contestants signed in before the database goes
            b = Client(base)
            b.call("GET", "/api/v1/session")
            b.call("POST", "/api/v1/login", {"identifier": f"096{n:07d}", "password": PASSWORD})
            browsers.append(b)
        proxy.cut()
        t, outage, retry_after, pages = time.perf_counter(), [], set(), set()
        while time.perf_counter() - t < 10:
            for b in browsers:
                for method, path in (("GET", "/"), ("GET", "/api/v1/contests"),
                                     ("POST", f"/api/v1/rounds/{seed['round_id']}/attempts")):
                    page = not path.startswith("/api/")
                    resp = b.call(method, path, accept="text/html" if page else "application/json")
                    outage.append(b.log[-1])
                    retry_after.add(resp.headers.get("Retry-After"))
                    json = resp.headers.get("Content-Type", "").startswith("application/json")
                    text = resp.json().get("message", "") if json else resp.text
                    ok = "kết nối cơ sở dữ liệu" in text and json != page
                    pages.add("ok" if ok else f"other: {method} {path} {text[:80]!r}")
                time.sleep(0.02)
        h = health()
        rows.append(("PostgreSQL cut (proxy closed, pooled connections dropped)",
                     "10 s of home page, contest list and start from 5 signed-in browsers", summary(outage),
                     f"Retry-After {sorted(x for x in retry_after if x)}; Vietnamese message on "
                     f"{'every answer (HTML page / JSON)' if pages == {'ok'} else pages}; /healthz {h.status_code} {h.json()}"))
        proxy.start()
        t = time.perf_counter()
        first = None
        while first is None and time.perf_counter() - t < 30:
            if browsers[0].call("GET", "/").status_code == 200:
                first = time.perf_counter() - t
        after = journeys(base, seed, range(41, 61))
        rows.append(("PostgreSQL back", "first page, then 20 contestants' journeys",
                     f"first 200 after {first:.2f} s; {summary(after)}", f"/healthz {health().json()}"))
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait(timeout=20)
        if redis_proc:
            redis_proc.kill()
        proxy.cut()
        dbutil.drop_pg_database(db_url)
    log_file.seek(0)
    log = log_file.read()
    print(f"Log: {log.count('Redis unreachable')} 'Redis unreachable' warning(s), "
          f"{log.count('database unavailable')} 'database unavailable' warning(s), "
          f"{log.count('Traceback')} traceback(s), for {WORKERS} workers\n")
    if "-v" in sys.argv:
        print("\n".join(line for line in log.splitlines() if "WARNING" in line or "Redis" in line), "\n")
    print("| Fault | Load | What happened | Notes |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(x).replace("|", "/") for x in row) + " |")


if __name__ == "__main__":
    main()
