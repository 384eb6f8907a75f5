"""Crash drill: `kill -9` of one gunicorn worker, then of the whole server, while contestants save answers.

A real gunicorn (2 sync workers) on a migrated SQLite file (and on a fresh PostgreSQL database when
TEST_DATABASE_URL is PostgreSQL). Client threads behave as static/js/attempt.js does: each choice gets the next
client seq, is kept in a queue until a 2xx acknowledges it, and is re-sent after a connection error, a 5xx, a 429
or a 401. At the end every acknowledged answer must be stored (the latest per question), nothing stored that was
never sent, and the attempt can be submitted and is graded once. docs/reliability/crash_drill.py runs a longer
drill with the same code; its figures are in docs/reliability/crash-and-readonly.md.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests import dbutil
from tests.journey import PASSWORD
from tests.net import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "crash-drill"  # the same key after the restart: sessions and CSRF tokens stay valid
PREDICTION = 3



# ---------------------------------------------------------------- the database and the server


def prepare_database(url: str, contestants: int) -> dict:
    """Migrate `url`, add the journey contest and `contestants` registered contestants; returns their phones."""
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db
    from quizapp.models import Contest, utcnow
    from tests.factories import register_contestant
    from tests.journey import make_journey_contest

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        now = utcnow()
        journey = make_journey_contest(now, question_count=10, bank_size=40)
        contest = db.session.get(Contest, journey.contest_id)
        phones = [register_contestant(contest, now, n=i + 1).user.phone for i in range(contestants)]
        db.session.remove()
        db.engine.dispose()
    return {"round_id": journey.round_id, "phones": phones}


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie left for init to reap counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


class Server:
    """gunicorn wsgi:app with 2 sync workers on a fixed port; killed with SIGKILL, started again on the same port."""

    def __init__(self, database_url: str, log_path: Path, workers: int = 2, port: int | None = None):
        self.database_url, self.log_path, self.workers = database_url, log_path, workers
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> float:
        """Start and wait until /healthz answers 200 and every worker is up; returns the seconds it took."""
        began = time.monotonic()
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI")}
        env |= {"DATABASE_URL": self.database_url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "0"}
        log = open(self.log_path, "ab")  # noqa: SIM115  (kept open for the server's lifetime)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--timeout", "30", "--graceful-timeout", "2", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=log)
        log.close()
        deadline = began + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if (requests.get(f"{self.base}/healthz", timeout=5).status_code == 200
                        and len(self.worker_pids()) == self.workers):
                    return time.monotonic() - began
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill_all()
        raise RuntimeError(f"gunicorn did not start; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The master's children, from /proc (psutil is not a dependency)."""
        if self.proc is None:
            return []
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                    pids.append(int(entry))
        return sorted(pids)

    def kill_worker(self) -> int:
        """SIGKILL one worker (the master starts another one)."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> list[int]:
        """SIGKILL the master and then every worker, as a crash of the machine's server would; waits until gone."""
        if self.proc is None:
            return []
        workers = self.worker_pids()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        for pid in workers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.proc = None
        return [*workers]

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill_all()
            self.proc = None


# ---------------------------------------------------------------- contestants saving as attempt.js does


def _error_kind(exc: Exception) -> str:
    text = repr(exc)
    if isinstance(exc, requests.Timeout):
        return "timeout"
    if "Connection refused" in text or "ConnectionRefused" in text:
        return "connection refused"
    if "RemoteDisconnected" in text or "reset" in text.lower() or "Aborted" in text:
        return "connection reset"
    return type(exc).__name__


@dataclass
class Contestant:
    """One browser: a signed-in session, one attempt, a queue of unacknowledged choices keyed by question."""

    base: str
    phone: str
    round_id: int
    rng: random.Random
    http: requests.Session = field(default_factory=requests.Session)
    csrf: str = ""
    attempt_id: int = 0
    options: dict[int, int] = field(default_factory=dict)  # attempt question id -> how many options
    seq: int = 0
    queue: dict[int, tuple[int, int]] = field(default_factory=dict)  # aq -> (option, seq) not yet acknowledged
    sent: set[tuple[int, int, int]] = field(default_factory=set)  # every (aq, option, seq) put on the wire
    acked: dict[int, tuple[int, int]] = field(default_factory=dict)  # aq -> latest acknowledged (option, seq)
    requests_sent: int = 0
    acks: int = 0
    choices: int = 0
    errors: Counter = field(default_factory=Counter)
    retried: int = 0  # re-sends of a choice after an error
    max_wait: float = 0.0  # longest time from a choice's first failure to its acknowledgement

    def sign_in(self) -> None:
        token = self.http.get(f"{self.base}/api/v1/session", timeout=10).json()["csrf_token"]
        resp = self.http.post(f"{self.base}/api/v1/login", json={"identifier": self.phone, "password": PASSWORD},
                              headers={"X-CSRFToken": token}, timeout=10)
        assert resp.status_code == 200, resp.text
        self.csrf = resp.json()["csrf_token"]
        started = self.http.post(f"{self.base}/api/v1/rounds/{self.round_id}/attempts",
                                 headers={"X-CSRFToken": self.csrf}, timeout=10)
        assert started.status_code == 201, started.text
        data = started.json()
        self.attempt_id = data["id"]
        self.options = {q["id"]: len(q["options"]) for q in data["questions"]}

    def choose(self) -> None:
        """A click on a radio button: the next seq, kept in the queue until acknowledged."""
        aq = self.rng.choice(list(self.options))
        self.seq += 1
        self.queue[aq] = (self.rng.randint(1, self.options[aq]), self.seq)
        self.choices += 1

    def flush(self, failing_since: dict[int, float]) -> bool:
        """Send queued choices one by one (as attempt.js does); False at the first one that must wait."""
        while self.queue:
            aq = next(iter(self.queue))
            option, seq = self.queue[aq]
            self.sent.add((aq, option, seq))
            self.requests_sent += 1
            if aq in failing_since:
                self.retried += 1
            try:
                resp = self.http.put(f"{self.base}/api/v1/attempts/{self.attempt_id}/answers/{aq}",
                                     json={"option_id": option, "seq": seq}, headers={"X-CSRFToken": self.csrf},
                                     timeout=10)
            except requests.RequestException as e:
                self.errors[_error_kind(e)] += 1
                failing_since.setdefault(aq, time.monotonic())
                return False
            if resp.status_code == 429 or resp.status_code == 401 or resp.status_code >= 500:
                self.errors[f"HTTP {resp.status_code}"] += 1
                failing_since.setdefault(aq, time.monotonic())
                return False
            assert 200 <= resp.status_code < 300, (resp.status_code, resp.text[:300])
            assert resp.json()["option_id"] == option, resp.text  # one browser per attempt: nothing newer stored
            self.acks += 1
            self.acked[aq] = (option, seq)
            if self.queue.get(aq) == (option, seq):
                del self.queue[aq]
            if aq in failing_since:
                self.max_wait = max(self.max_wait, time.monotonic() - failing_since.pop(aq))
        return True

    def run(self, stop: threading.Event, drain_until: list[float]) -> None:
        """Choose and save until `stop`; then send what is still queued until it is empty or time is up."""
        failing: dict[int, float] = {}
        backoff = 0.05
        while not stop.is_set():
            self.choose()
            if self.flush(failing):
                backoff = 0.05
            else:
                time.sleep(backoff)  # attempt.js waits for the next change or its timer
                backoff = min(backoff * 2, 0.8)
        while self.queue and time.monotonic() < drain_until[0]:
            if not self.flush(failing):
                time.sleep(0.2)


# ---------------------------------------------------------------- the drill


def run_drill(database_url: str, tmp: Path, contestants: int = 4, phase: float = 2.5, worker_kills: int = 1,
              server_kills: int = 1, down_for: float = 1.0, seed: int = 12) -> dict:
    """Saves under `worker_kills` worker kills and `server_kills` whole-server kills; returns the figures."""
    setup = prepare_database(database_url, contestants)
    server = Server(database_url, tmp / "gunicorn.log")
    figures: dict = {"restarts_s": []}
    server.start()
    try:
        people = [Contestant(server.base, phone, setup["round_id"], random.Random(seed + i))
                  for i, phone in enumerate(setup["phones"])]
        for p in people:
            p.sign_in()
        stop, drain_until = threading.Event(), [0.0]
        threads = [threading.Thread(target=p.run, args=(stop, drain_until), daemon=True) for p in people]
        for t in threads:
            t.start()
        time.sleep(phase)
        for _ in range(worker_kills):
            server.kill_worker()
            time.sleep(phase)
        for _ in range(server_kills):
            server.kill_all()
            time.sleep(down_for)  # clients meet a refused connection meanwhile
            figures["restarts_s"].append(round(server.start(), 1))
            time.sleep(phase)
        drain_until[0] = time.monotonic() + 30
        stop.set()
        for t in threads:
            t.join(timeout=40)
        figures |= check_stored(database_url, people)
        figures |= submit_all(server.base, database_url, people)
    finally:
        server.stop()
    errors = sum((p.errors for p in people), Counter())
    figures |= {"contestants": contestants, "choices": sum(p.choices for p in people),
                "requests": sum(p.requests_sent for p in people), "acknowledged": sum(p.acks for p in people),
                "retried": sum(p.retried for p in people), "errors": dict(errors),
                "max_wait_s": round(max(p.max_wait for p in people), 1), "worker_kills": worker_kills,
                "server_kills": server_kills, "unsent_left": sum(len(p.queue) for p in people)}
    return figures


def _engine(url: str):
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                            if url.startswith("postgresql://") else url)


def check_stored(database_url: str, people: list[Contestant]) -> dict:
    """Compare the stored answers with what each browser sent and had acknowledged."""
    engine = _engine(database_url)
    lost, phantom, stored_total = [], [], 0
    with engine.connect() as conn:
        for p in people:
            order = {aq: (o if isinstance(o, list) else json.loads(o)) for aq, o in conn.execute(
                sa.text("SELECT id, option_order FROM attempt_question WHERE attempt_id = :a"), {"a": p.attempt_id})}
            stored = {aq: (order[aq].index(opt) + 1, seq) for aq, opt, seq in conn.execute(
                sa.text("SELECT attempt_question_id, option_id, client_seq FROM answer WHERE attempt_id = :a"),
                {"a": p.attempt_id})}
            stored_total += len(stored)
            lost += [(p.attempt_id, aq, want, stored.get(aq)) for aq, want in p.acked.items() if stored.get(aq) != want]
            phantom += [(p.attempt_id, aq, got) for aq, got in stored.items() if (aq, *got) not in p.sent]
    engine.dispose()
    return {"lost": lost, "phantom": phantom, "stored_answers": stored_total}


def submit_all(base: str, database_url: str, people: list[Contestant]) -> dict:
    """Submit each attempt twice: graded once (the second answer is the same result), the grade matches the DB."""
    regraded = []
    for p in people:
        url = f"{base}/api/v1/attempts/{p.attempt_id}/submit"
        first = p.http.post(url, json={"prediction": PREDICTION}, headers={"X-CSRFToken": p.csrf}, timeout=10)
        assert first.status_code == 200, first.text
        again = p.http.post(url, json={"prediction": PREDICTION + 1}, headers={"X-CSRFToken": p.csrf}, timeout=10)
        if again.status_code != 200 or again.json() != first.json():
            regraded.append((p.attempt_id, first.json(), again.status_code, again.text[:200]))
    engine = _engine(database_url)
    wrong_grade = []
    with engine.connect() as conn:
        for p in people:
            status, correct, prediction = conn.execute(sa.text(
                "SELECT status, correct, prediction FROM attempt WHERE id = :a"), {"a": p.attempt_id}).one()
            right = conn.execute(sa.text(
                "SELECT count(*) FROM answer JOIN question_option o ON o.id = answer.option_id "
                "WHERE answer.attempt_id = :a AND o.is_correct"), {"a": p.attempt_id}).scalar_one()
            if (status, correct, prediction) != ("submitted", right, PREDICTION):
                wrong_grade.append((p.attempt_id, status, correct, right, prediction))
    engine.dispose()
    return {"regraded": regraded, "wrong_grade": wrong_grade, "submitted": len(people)}


# ---------------------------------------------------------------- the test


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crash.sqlite3'}"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_kill_9_of_a_worker_and_of_the_whole_server_loses_no_acknowledged_answer(backend, tmp_path):
    url = _sqlite_url(tmp_path) if backend == "sqlite" else dbutil.create_pg_database("quizapp_crash")
    try:
        figures = run_drill(url, tmp_path)
    finally:
        if backend == "postgresql":
            dbutil.drop_pg_database(url)
    print(f"\ncrash drill ({backend}): {figures}")
    assert figures["unsent_left"] == 0, figures  # every choice was acknowledged in the end
    assert figures["lost"] == [] and figures["phantom"] == [], figures
    assert figures["regraded"] == [] and figures["wrong_grade"] == [], figures
    assert figures["acknowledged"] > 20 and figures["stored_answers"] > 0, figures
    assert sum(figures["errors"].values()) > 0, figures  # the kills were felt by the clients, and retried through
