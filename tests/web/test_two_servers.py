"""Two gunicorn app servers behind Debian's nginx, sharing one PostgreSQL database and one Redis.

What must hold across servers, with real parallel HTTP requests through nginx (round robin): one attempt in
progress and never more attempts than allowed, one grading per submission, rate limits counted once (in Redis)
per client address as nginx reports it in X-Forwarded-For, and a sign-in on one server good on the other.
Every response says which server answered (`X-Upstream: $upstream_addr`, added by the test's nginx only), so
each test also proves that both servers took part.

Needs PostgreSQL (TEST_DATABASE_URL), REDIS_URL and nginx; skipped with the reason otherwise, except that on CI
(CI=true) a missing nginx fails the test, because .ci/run installs it.
Clients get distinct addresses by binding their sockets to 127.0.0.x (Linux routes all of 127/8 to loopback).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select

from quizapp import ROOT
from tests import dbutil
from tests.net import free_port

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not os.environ.get("REDIS_URL"),
                                 reason="needs REDIS_URL: the servers share rate-limit counters through Redis")]

PASSWORD = "matkhau123"
SIGN_IN_LIMIT = 4  # per address per minute, low so that a few tries reach it (RATELIMIT_SIGN_IN)
PARALLEL = 20
STARTS = 12  # per wave of starts: two waves stay under the 30 starts per minute an account may make
WORKERS = 2  # sync gunicorn workers per server


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def _nginx() -> str:
    """nginx's path; skip (fail on CI) when it is not installed."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if found is None:
        reason = "nginx is not installed (apt-get install nginx; .ci/run installs it on CI)"
        if _on_ci():
            pytest.fail(f"the two-server test must run on CI, but: {reason}", pytrace=False)
        pytest.skip(reason)
    return found



NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format upstream '$remote_addr "$request" $status $upstream_addr';
    access_log {tmp}/nginx-access.log upstream;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream quizapp {{ server 127.0.0.1:{port_a}; server 127.0.0.1:{port_b}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 20m;
        location / {{
            proxy_pass http://quizapp;
            proxy_http_version 1.1;          # with `keepalive` upstream: HTTP/1.1 and no Connection: close
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;  # keeps the port; docs/deployment.md uses $host on 443
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;  # the test's own: which server answered
        }}
    }}
}}
"""


class Stack:
    """nginx on one port in front of two gunicorn servers; the seeded contest; the database to check."""

    def __init__(self, tmp: Path, url: str, app, seed: dict):
        self.tmp, self.db_url, self.app, self.seed = tmp, url, app, seed
        self.procs: list[subprocess.Popen] = []
        self.logs: list = []
        self.upstreams: list[str] = []
        self.base = ""

    def start(self, nginx: str) -> None:
        prefix = f"two-servers-{uuid.uuid4().hex}"  # this run's counters only, on the shared Redis
        env = dict(os.environ, DATABASE_URL=self.db_url, SECRET_KEY=f"shared-{prefix}", TRUSTED_PROXIES="1",
                   RATELIMIT_ENABLED="1", RATELIMIT_KEY_PREFIX=prefix,
                   RATELIMIT_SIGN_IN=f"{SIGN_IN_LIMIT} per minute")
        env.pop("TEST_DATABASE_URL", None)
        for name in ("a", "b"):
            port = free_port()
            self.upstreams.append(f"127.0.0.1:{port}")
            log = open(self.tmp / f"gunicorn-{name}.log", "wb")  # noqa: SIM115 (closed in stop())
            self.logs.append(log)
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
                 "--timeout", "60", "--access-logfile", str(self.tmp / f"access-{name}.log"),
                 "--access-logformat", '%(h)s xff=%({x-forwarded-for}i)s "%(r)s" %(s)s', "wsgi:app"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        port = free_port()
        conf = self.tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=self.tmp, port=port, port_a=self.upstreams[0].split(":")[1],
                                          port_b=self.upstreams[1].split(":")[1]))
        self.procs.append(subprocess.Popen([nginx, "-e", str(self.tmp / "nginx-error.log"), "-p", str(self.tmp),
                                            "-c", str(conf), "-g", "daemon off;"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        self.base = f"http://127.0.0.1:{port}"
        self._wait_until_both_answer()

    def _wait_until_both_answer(self) -> None:
        seen: set[str] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and all(p.poll() is None for p in self.procs):
            try:
                resp = requests.get(f"{self.base}/healthz", timeout=5)
                if resp.status_code == 200:
                    seen.add(resp.headers.get("X-Upstream", ""))
                    if seen >= set(self.upstreams):
                        return
                    continue
            except requests.RequestException:
                pass
            time.sleep(0.2)
        logs = {p.name: p.read_text(errors="replace")[-2000:] for p in self.tmp.glob("*.log")}
        raise RuntimeError(f"nginx and both app servers did not come up (answered: {seen}); logs: {logs}")

    def stop(self) -> None:
        for proc in reversed(self.procs):  # nginx first, then the app servers
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM if proc is not self.procs[-1] else signal.SIGQUIT)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for log in self.logs:
            log.close()

    def client(self, address: str) -> requests.Session:
        """A browser whose connections come from `address` (127.0.0.x): nginx sees it as the client's address."""
        session = requests.Session()
        session.mount("http://", _FromAddress(address))
        return session

    def tab(self, address: str, cookies: dict, token: str) -> requests.Session:
        """Another tab of the same browser, for one thread (a requests.Session is not shared between threads)."""
        session = self.client(address)
        session.cookies.update(cookies)
        session.headers["X-CSRFToken"] = token
        return session

    def sign_in(self, address: str, phone: str) -> tuple[dict, str, str]:
        """Sign in through nginx: (cookies, CSRF token, the server that signed in)."""
        browser = self.client(address)
        token = browser.get(f"{self.base}/api/v1/session", timeout=30).json()["csrf_token"]
        resp = browser.post(f"{self.base}/api/v1/login", json={"identifier": phone, "password": PASSWORD},
                            headers={"X-CSRFToken": token}, timeout=30)
        assert resp.status_code == 200, resp.text
        return browser.cookies.get_dict(), resp.json()["csrf_token"], resp.headers["X-Upstream"]


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _seed(url: str):
    """Migrate the fresh database and seed the journey contest with three contestants (round 1: one attempt)."""
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db
    from quizapp.models import Contest, Round, utcnow
    from tests.factories import register_contestant
    from tests.journey import make_journey_contest

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": "seed",
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        now = utcnow()
        journey = make_journey_contest(now, slug="hai-may-chu")
        db.session.get(Round, journey.round_id).attempts_allowed = 1
        db.session.commit()
        contest = db.session.get(Contest, journey.contest_id)
        regs = [register_contestant(contest, now, n=n) for n in (1, 2, 3)]
        seed = {"round_id": journey.round_id,
                "contestants": [{"phone": r.user.phone, "registration_id": r.id} for r in regs]}
    return app, seed


@pytest.fixture(scope="module")
def stack():
    nginx = _nginx()
    url = dbutil.create_pg_database("quizapp_two_servers")
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-two-servers-"))
    tmp.chmod(0o755)  # nginx's workers (nobody when started as root) write their temp files here
    running = None
    try:
        app, seed = _seed(url)
        running = Stack(tmp, url, app, seed)
        running.start(nginx)
        yield running
    finally:
        if running is not None:
            running.stop()
            from quizapp.extensions import db

            with running.app.app_context():
                db.engine.dispose()
        dbutil.drop_pg_database(url)
        shutil.rmtree(tmp, ignore_errors=True)


def _all_at_once(count: int, fn):
    """Run fn(i) for i in range(count) on `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait(timeout=30)
        return fn(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _served_by(stack: Stack, responses) -> set[str]:
    """The servers that answered; each response came from exactly one of them (nginx never retried a POST)."""
    upstreams = [r.headers.get("X-Upstream", "") for r in responses]
    assert set(upstreams) <= set(stack.upstreams), upstreams
    return set(upstreams)


def _attempts(stack: Stack, registration_id: int):
    from quizapp.extensions import db
    from quizapp.models import Attempt

    with stack.app.app_context():
        rows = db.session.scalars(select(Attempt).where(Attempt.registration_id == registration_id)
                                  .order_by(Attempt.number)).all()
        db.session.expunge_all()
        return rows


def test_parallel_starts_across_both_servers_make_one_attempt_and_the_one_allowed_is_enforced(stack):
    who = stack.seed["contestants"][0]
    address = "127.0.0.11"
    cookies, token, _ = stack.sign_in(address, who["phone"])
    start = f"{stack.base}/api/v1/rounds/{stack.seed['round_id']}/attempts"
    responses = _all_at_once(STARTS, lambda i: stack.tab(address, cookies, token).post(start, timeout=60))
    assert [r.status_code for r in responses] == [201] * STARTS, {r.status_code: r.text for r in responses}
    assert len({r.json()["id"] for r in responses}) == 1  # every tab, on either server, got the same attempt
    assert _served_by(stack, responses) == set(stack.upstreams)
    (attempt,) = _attempts(stack, who["registration_id"])
    assert attempt.status == "in_progress" and attempt.number == 1
    assert attempt.client_ip == address  # the address nginx put in X-Forwarded-For, not nginx's own

    tab = stack.tab(address, cookies, token)
    done = tab.post(f"{stack.base}/api/v1/attempts/{attempt.id}/submit", json={"prediction": 3}, timeout=60)
    assert done.status_code == 200, done.text
    again = _all_at_once(STARTS, lambda i: stack.tab(address, cookies, token).post(start, timeout=60))
    assert {r.status_code for r in again} == {409}, [r.text for r in again]
    assert {r.json()["error"] for r in again} == {"attempt_limit"}
    assert _served_by(stack, again) == set(stack.upstreams)
    assert [(a.number, a.status) for a in _attempts(stack, who["registration_id"])] == [(1, "submitted")]


def test_one_submission_sent_to_both_servers_at_once_is_graded_once(stack):
    from quizapp.extensions import db
    from quizapp.models import Answer, Attempt, QuestionOption

    who = stack.seed["contestants"][1]
    address = "127.0.0.12"
    cookies, token, _ = stack.sign_in(address, who["phone"])
    tab = stack.tab(address, cookies, token)
    attempt = tab.post(f"{stack.base}/api/v1/rounds/{stack.seed['round_id']}/attempts", timeout=30).json()
    saves = [tab.put(f"{stack.base}/api/v1/attempts/{attempt['id']}/answers/{q['id']}",
                     json={"option_id": q["options"][0]["id"]}, timeout=30) for q in attempt["questions"][:3]]
    assert [r.status_code for r in saves] == [200] * 3, [r.text for r in saves]
    assert _served_by(stack, saves) == set(stack.upstreams)  # answers saved on both servers

    submit = f"{stack.base}/api/v1/attempts/{attempt['id']}/submit"
    responses = _all_at_once(PARALLEL, lambda i: stack.tab(address, cookies, token).post(
        submit, json={"prediction": i}, timeout=60))
    assert [r.status_code for r in responses] == [200] * PARALLEL, [r.text for r in responses]
    results = [r.json() for r in responses]
    assert all(r == results[0] for r in results), results  # one result, with the winning submission's prediction
    assert _served_by(stack, responses) == set(stack.upstreams)

    with stack.app.app_context():
        stored = db.session.get(Attempt, attempt["id"])
        answers = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt["id"])).all()
        right = db.session.scalar(select(func.count()).select_from(Answer).join(
            QuestionOption, QuestionOption.id == Answer.option_id).where(
            Answer.attempt_id == attempt["id"], QuestionOption.is_correct))
        assert len(answers) == 3  # one answer per question answered, whichever server saved or graded it
        assert (stored.status, stored.correct, stored.total) == ("submitted", right, 5)
        assert (results[0]["correct"], results[0]["total"], results[0]["score"]) == (right, 5, stored.score)
        assert stored.prediction == results[0]["prediction"]


def _wrong_sign_ins(stack: Stack, address: str, count: int, tag: str, forged: str | None = None):
    """`count` wrong sign-ins at once from `address` (each to its own account name, so only the per-address
    limit applies); with `forged`, each also claims that address in its own X-Forwarded-For."""
    browser = stack.client(address)
    token = browser.get(f"{stack.base}/api/v1/session", timeout=30).json()["csrf_token"]
    cookies = browser.cookies.get_dict()
    headers = {"X-Forwarded-For": forged} if forged else {}

    def one(i):
        return stack.tab(address, cookies, token).post(
            f"{stack.base}/api/v1/login", json={"identifier": f"khong-co-{tag}-{i}", "password": "sai-mat-khau"},
            headers=headers, timeout=60)

    return _all_at_once(count, one)


def test_the_sign_in_limit_is_counted_once_across_both_servers_per_client_address(stack):
    first = _wrong_sign_ins(stack, "127.0.0.21", 3 * SIGN_IN_LIMIT, "a")
    codes = sorted(r.status_code for r in first)
    assert codes == [401] * SIGN_IN_LIMIT + [429] * (2 * SIGN_IN_LIMIT), codes  # the limit, not twice it
    assert _served_by(stack, first) == set(stack.upstreams)
    assert _served_by(stack, [r for r in first if r.status_code == 429]) == set(stack.upstreams)
    assert all(r.headers.get("Retry-After") for r in first if r.status_code == 429)

    # Claiming another address in X-Forwarded-For does not help: nginx appends the real one, the app trusts one hop
    forged = _wrong_sign_ins(stack, "127.0.0.21", 4, "a-forged", forged="198.51.100.7")
    assert {r.status_code for r in forged} == {429}

    # Another client (another address) has its own budget, counted the same way
    other = _wrong_sign_ins(stack, "127.0.0.22", 2 * SIGN_IN_LIMIT, "b")
    assert sorted(r.status_code for r in other) == [401] * SIGN_IN_LIMIT + [429] * SIGN_IN_LIMIT
    assert _served_by(stack, other) == set(stack.upstreams)


def test_a_sign_in_on_one_server_is_valid_on_the_other(stack):
    who = stack.seed["contestants"][2]
    cookies, token, signed_in_by = stack.sign_in("127.0.0.13", who["phone"])
    tab = stack.tab("127.0.0.13", cookies, token)
    pages = [tab.get(f"{stack.base}/api/v1/session", timeout=30) for _ in range(6)]
    assert all(p.json()["authenticated"] and p.json()["user"]["id"] for p in pages), [p.text for p in pages]
    assert _served_by(stack, pages) == set(stack.upstreams)
    assert any(p.headers["X-Upstream"] != signed_in_by for p in pages)
    # A write (CSRF token from the signing-in server, checked by the other) works on both servers too
    started = [tab.post(f"{stack.base}/api/v1/rounds/{stack.seed['round_id']}/attempts", timeout=30)
               for _ in range(2)]
    assert [r.status_code for r in started] == [201, 201], [r.text for r in started]
    assert _served_by(stack, started) == set(stack.upstreams)
