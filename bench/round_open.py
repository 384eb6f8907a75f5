"""Benchmark: the minute a weekly round opens, under load, on this machine (127.0.0.1 only).

What it does (bounded in count and time; it stops by itself and cleans up after itself):

1. Set-up: a fresh PostgreSQL database next to BENCH_DATABASE_URL / TEST_DATABASE_URL (default
   postgresql://postgres@127.0.0.1:5432/test; dropped at the end), `flask db upgrade`, `flask demo seed`, then N
   contestants bulk-inserted with COPY (users + registrations in the demo contest "cchc-2026"; valid-looking unique
   CCCD and phone numbers; precomputed password hashes: the app's own scrypt hash for a sample of `--scrypt-sample`
   contestants, whose sign-in is timed on its own, and a cheap pbkdf2 hash for the rest so set-up stays quick).
2. For each gunicorn setting (`--gunicorn 4x4,2x8` = workers x threads; 1 thread = sync worker): flush Redis db 14,
   start `.venv/bin/gunicorn wsgi:app` with RATELIMIT_ENABLED=0 and a fixed SECRET_KEY, wait for /healthz.
3. Untimed (first setting only; sessions are signed cookies, so they stay valid across restarts): every contestant
   signs in through the API (GET /api/v1/session for the CSRF token, POST /api/v1/login), keeping its cookies.
4. Timed, "the minute the round opens": C client threads work through all contestants; each contestant starts an
   attempt at the open round "Tuần 2", saves a random option for each of the 20 questions, and submits with a
   prediction. A small share (`--dup-rate`) double-clicks: its start and its submit are sent twice at once on two
   connections. `--order starts-first` makes everybody start first (timed on its own: the start burst), then answer.
5. Integrity, after each setting, with SQL: exactly one attempt per contestant, all submitted, 20 questions and 20
   answers per attempt, no answer pointing at another question's option, grade = stored answers; and against what
   the client sent and was answered: stored answers are the ones sent, each attempt's submitted_at and score are
   those its first submit returned (an attempt graded twice would differ), double clicks got the same attempt/result.
6. A summary table, printed and appended as a "Round opening (load)" section to bench/RESULTS.md.

The machine is shared (other people's test runs use the same 2 cores and the same PostgreSQL): before the timed phase
it waits up to `--wait-quiet` seconds for the rest of the machine to be idle, and it reports the CPU that gunicorn,
the app's PostgreSQL backends, this client and everything else used. It samples pg_stat_activity during the timed
phase (what the app's sessions wait on), and afterwards times the service layer in-process (start, save, submit, and
the candidate loading and drawing inside start) against the same database.

Usage:  .venv/bin/python bench/round_open.py [--contestants 2000] [--concurrency 200] [--gunicorn 4x4]
            [--order interleaved|starts-first] [--dup-rate 0.05] [--max-seconds 480] [--no-results]
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout this script lives in; its .venv is used
APP = ROOT  # the code that is served and seeded (--app-dir: another copy, e.g. `git archive HEAD | tar -x -C DIR`)

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
SECRET_KEY = "bench-round-open-fixed-secret-key-0123456789abcdef"
PASSWORD = "Matkhau@2026"
DEMO_SLUG = "cchc-2026"
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 60.0  # seconds, per HTTP request
BUSY_CORES = 0.25  # other work above this during a timed phase marks its figures as disturbed

# ------------------------------------------------------------------------------------------------- helpers


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def pct(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Deadline:
    """The whole run's time budget; phases stop taking new work once it is spent."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def passed(self) -> bool:
        return self.left() <= 0


# ------------------------------------------------------------------------------------------------- database


def admin_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_ADMIN_URL


def check_local(url: str) -> None:
    """This benchmark only ever talks to this machine."""
    from sqlalchemy.engine import make_url

    host = make_url(url).host
    if host not in (None, "", "127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to run against {host}: round_open.py only uses a database on 127.0.0.1")


def create_database() -> str:
    """A fresh database next to the admin URL (tests/dbutil does the work)."""
    check_local(admin_url())
    os.environ["TEST_DATABASE_URL"] = admin_url()  # what tests.dbutil reads
    from tests.dbutil import create_pg_database

    return create_pg_database("quizapp_bench")


def drop_database(url: str) -> None:
    os.environ["TEST_DATABASE_URL"] = admin_url()
    from tests.dbutil import drop_pg_database

    drop_pg_database(url)


def libpq_url(sqlalchemy_url: str) -> str:
    return "postgresql://" + sqlalchemy_url.split("://", 1)[1]


def pg_connect(url: str, autocommit: bool = True):
    import psycopg

    return psycopg.connect(libpq_url(url), autocommit=autocommit)


def app_env(db_url: str, redis_url: str) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=libpq_url(db_url), REDIS_URL=redis_url, RATELIMIT_ENABLED="0", SECRET_KEY=SECRET_KEY,
               FLASK_APP="wsgi:app", PYTHONUNBUFFERED="1")
    env.pop("TRUSTED_PROXIES", None)
    return env


def run_flask(args: list[str], env: dict, timeout: float) -> str:
    out = subprocess.run([str(ROOT / ".venv/bin/flask"), *args], cwd=APP, env=env, capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


@dataclass
class Seeded:
    contest_id: int
    round_id: int
    round_name: str
    question_count: int
    bank_size: int
    identifiers: list[str]
    reg_ids: list[int]  # the benchmark's own registrations (the demo may have simulated contestants too)


FAST_HASH = "pbkdf2:sha256:1000"


def hashes() -> tuple[str, str]:
    """(the app's own hash of PASSWORD, a cheap one); the app checks either (the cheap one is upgraded to the app's
    own at its first sign-in)."""
    from werkzeug.security import generate_password_hash

    from quizapp.passwords import hash_password

    return hash_password(PASSWORD), generate_password_hash(PASSWORD, FAST_HASH)


MOBILE_PREFIXES = ("032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079",
                   "081", "082", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096",
                   "097", "098")
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Lò", "Giàng", "Vàng", "Lù")
MIDDLE = {"nam": ("Văn", "Đức", "Minh", "Quốc", "Thành", "Hữu"), "nu": ("Thị", "Thu", "Ngọc", "Thanh", "Hồng")}
GIVEN = {"nam": ("Anh", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Long", "Nam", "Sơn", "Tuấn", "Chứ", "Páo"),
         "nu": ("Hà", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Phương", "Thảo", "Trang", "Mỷ", "Sua")}
CCCD_PROVINCES = ("010", "015", "010", "010", "015", "001", "038", "025")  # mostly Lào Cai / Yên Bái births


def _required_extras(cur, table: str, supplied: list[str]) -> tuple[list[str], list[str]]:
    """NOT NULL columns without a server default that the COPY does not supply (the schema grows while other
    people work on it): their names and a neutral value for each, so the bulk insert keeps working."""
    cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
                "AND is_nullable = 'NO' AND column_default IS NULL", (table,))
    neutral = {"boolean": "f", "integer": "0", "bigint": "0", "smallint": "0", "double precision": "0",
               "real": "0", "numeric": "0", "json": "{}", "jsonb": "{}",
               "timestamp with time zone": datetime.now(UTC).isoformat(), "date": date.today().isoformat()}
    cols, vals = [], []
    for name, dtype in cur.fetchall():
        if name not in supplied and name != "id":
            cols.append(name)
            vals.append(neutral.get(dtype, ""))
    return cols, vals


def seed_contestants(db_url: str, n: int, real_hash: str, fast_hash: str, n_real: int, rng: random.Random) -> Seeded:
    """Bulk-insert n contestants registered in the demo contest (the first n_real with the app's own password hash);
    returns their sign-in identifiers in that order."""
    from quizapp.domain.identity import CENTURY_DIGITS, name_key, normalize_cccd, normalize_phone

    with pg_connect(db_url, autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SELECT id, area_root_id FROM contest WHERE slug = %s", (DEMO_SLUG,))
        contest_id, root_id = cur.fetchone()
        cur.execute("SELECT id, name, question_count, opens_at, closes_at FROM round WHERE contest_id = %s "
                    "AND kind = 'weekly' AND opens_at <= now() AND now() < closes_at ORDER BY number", (contest_id,))
        rows = cur.fetchall()
        if not rows:
            raise RuntimeError("no weekly round of the demo contest is open now")
        round_id, round_name, qcount = rows[0][:3]
        cur.execute("SELECT id, code FROM track WHERE contest_id = %s", (contest_id,))
        tracks = {code: tid for tid, code in cur.fetchall()}
        cur.execute("WITH RECURSIVE t AS (SELECT id, level FROM area WHERE parent_id = %s UNION ALL "
                    "SELECT a.id, a.level FROM area a JOIN t ON a.parent_id = t.id) "
                    "SELECT id FROM t WHERE level = 'commune'", (root_id,))
        communes = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM unit WHERE contest_id = %s", (contest_id,))
        units = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT count(*) FROM question WHERE status = 'active'")
        bank_size = cur.fetchone()[0]
        cur.execute("SELECT cccd, phone FROM user_account")  # the demo may have seeded people of its own
        taken = {v for row in cur.fetchall() for v in row if v}

        now = datetime.now(UTC)
        users, identifiers, k = [], [], 0
        while len(users) < n:
            k += 1
            gender = rng.choice(("nam", "nu"))
            born = date(rng.randint(1962, 2006), rng.randint(1, 12), rng.randint(1, 28))
            digit = CENTURY_DIGITS[born.year // 100 * 100] + (gender == "nu")
            cccd = normalize_cccd(f"{rng.choice(CCCD_PROVINCES)}{digit}{born.year % 100:02d}{k:06d}")
            phone = normalize_phone(f"{MOBILE_PREFIXES[k % len(MOBILE_PREFIXES)]}{k:07d}")
            if cccd in taken or phone in taken:
                continue
            taken.update((cccd, phone))
            name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
            users.append((name, name_key(name), phone, cccd, born, gender))
            identifiers.append(cccd if len(users) % 2 else phone)  # sign in by CCCD or by phone, half each

        cols = ["role", "full_name", "name_key", "phone", "cccd", "birth_date", "gender", "password_hash",
                "is_active_account", "created_at"]
        xcols, xvals = _required_extras(cur, "user_account", cols)
        buf = io.StringIO()
        for i, (name, key, phone, cccd, born, gender) in enumerate(users):
            buf.write("\t".join(["contestant", name, key, phone, cccd, born.isoformat(), gender,
                                  real_hash if i < n_real else fast_hash, "t", now.isoformat(), *xvals]) + "\n")
        with cur.copy(f"COPY user_account ({', '.join(cols + xcols)}) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        cur.execute("SELECT cccd, id FROM user_account WHERE cccd = ANY(%s)", ([u[3] for u in users],))
        user_ids = dict(cur.fetchall())
        cols = ["contest_id", "user_id", "track_id", "area_id", "unit_id", "category", "status", "consented_at",
                "created_at", "registered_ip", "device_id"]
        xcols, xvals = _required_extras(cur, "registration", cols)
        buf = io.StringIO()
        for _name, _key, _phone, cccd, _born, _gender in users:
            official = rng.random() < 0.6 and units
            buf.write("\t".join([
                str(contest_id), str(user_ids[cccd]), str(tracks["officials" if official else "citizens"]),
                str(rng.choice(communes)), str(rng.choice(units)) if official else r"\N",
                "official" if official else "citizen", "active", now.isoformat(), now.isoformat(), "127.0.0.1",
                "", *xvals]) + "\n")
        with cur.copy(f"COPY registration ({', '.join(cols + xcols)}) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        cur.execute("SELECT r.id FROM registration r WHERE r.contest_id = %s AND r.user_id = ANY(%s)",
                    (contest_id, list(user_ids.values())))
        reg_ids = [r[0] for r in cur.fetchall()]
        conn.commit()
        cur.execute("ANALYZE")
    return Seeded(contest_id, round_id, round_name, qcount, bank_size, identifiers, sorted(reg_ids))


def grow_bank(db_url: str, extra: int, rng: random.Random) -> int:
    """Add `extra` active questions (4 options, one correct) spread over the demo topics, as a bigger (provincial
    or national) bank would be; returns the number of active questions now."""
    words = ["cải", "cách", "hành", "chính", "nhà", "nước", "thủ", "tục", "một", "cửa", "liên", "thông", "công", "vụ", "công", "chức", "viên", "chức", "tài", "chính", "công", "chính", "phủ", "số", "dịch", "vụ", "công", "trực", "tuyến", "nghị", "quyết", "chỉ", "thị", "mục", "tiêu", "giai", "đoạn", "người", "dân", "doanh", "nghiệp"]
    now = datetime.now(UTC).isoformat()
    with pg_connect(db_url, autocommit=False) as conn, conn.cursor() as cur:
        topics = [r[0] for r in cur.execute("SELECT id FROM topic ORDER BY id").fetchall()]
        buf = io.StringIO()
        for i in range(extra):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(14, 28))).capitalize() + f" (câu {i})?"
            buf.write("\t".join((str(rng.choice(topics)), "1", text, text.lower(), f"{rng.getrandbits(128):032x}",
                                 str(rng.randint(1, 3)), "Giải thích.", "Nghị quyết 76/NQ-CP", "", f"bench-{i}",
                                 "active", now)) + "\n")
        with cur.copy("COPY question (topic_id, version, text, search_text, dedup_key, difficulty, explanation, "
                      "source, evidence, external_id, status, created_at) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        cur.execute("INSERT INTO question_option (question_id, position, text, is_correct) "
                    "SELECT q.id, p, 'Phương án ' || p || ' của câu ' || q.id, p = 1 + q.id % 4 "
                    "FROM question q CROSS JOIN generate_series(1, 4) AS p WHERE q.external_id LIKE 'bench-%'")
        conn.commit()
        cur.execute("ANALYZE question")
        cur.execute("ANALYZE question_option")
        return cur.execute("SELECT count(*) FROM question WHERE status = 'active'").fetchone()[0]


def reset_attempts(db_url: str, reg_ids: list[int]) -> None:
    """Remove the benchmark contestants' attempts and whatever else hangs on their registrations (leaderboard
    aggregates and the like), so the next gunicorn setting starts from the same state."""
    with pg_connect(db_url) as conn:
        refs = conn.execute(
            "SELECT DISTINCT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
            "AND kcu.table_schema = tc.table_schema "
            "JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name "
            "AND ccu.table_schema = tc.table_schema "
            "WHERE tc.constraint_type = 'FOREIGN KEY' AND ccu.table_name = 'registration' "
            "AND tc.table_name NOT IN ('registration', 'attempt')").fetchall()
        with conn.transaction():
            for table, column in refs:
                conn.execute(f'DELETE FROM "{table}" WHERE "{column}" = ANY(%s)', (reg_ids,))
            conn.execute("DELETE FROM attempt WHERE registration_id = ANY(%s)", (reg_ids,))
        conn.execute("VACUUM ANALYZE")


# ------------------------------------------------------------------------------------------------- gunicorn


class Server:
    def __init__(self, workers: int, threads: int, env: dict, logdir: Path):
        self.workers, self.threads, self.env = workers, threads, env
        self.port = free_port()
        self.log_path = logdir / f"gunicorn-{workers}x{threads}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def label(self) -> str:
        return f"{self.workers}x{self.threads}"

    def start(self, timeout: float = 40) -> None:
        cmd = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers),
               "--threads", str(self.threads), "--timeout", "60", "--log-level", "warning",
               "--error-logfile", str(self.log_path), "wsgi:app"]
        self.proc = subprocess.Popen(cmd, cwd=APP, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log_path}:\n{self.log_tail()}")
            try:
                c = http.client.HTTPConnection(HOST, self.port, timeout=2)
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not become healthy in {timeout}s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        return children_of(self.proc.pid) if self.proc else []

    def stop(self) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        workers = self.worker_pids()
        self.proc.send_signal(signal.SIGTERM)  # graceful: the master stops its own workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for pid in workers:  # only the workers this master started, by id
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def error_lines(self) -> int:
        try:
            return sum(1 for line in self.log_path.read_text(errors="replace").splitlines() if "ERROR" in line)
        except OSError:
            return 0


# ------------------------------------------------------------------------------------------------- CPU accounting

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, cpu seconds) of a process, from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2:].split()
    return comm, int(rest[1]), (int(rest[11]) + int(rest[12])) / CLK_TCK


def children_of(ppid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = _stat(int(d))
            if st and st[1] == ppid:
                out.append(int(d))
    return out


def cpu_snapshot(server: Server | None) -> dict:
    """CPU seconds so far: gunicorn (master + workers), each postgres process, this client, the whole machine."""
    gun = {server.proc.pid, *server.worker_pids()} if server and server.proc else set()
    snap = {"gunicorn": {}, "postgres": {}, "others": {}}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        st = _stat(pid)
        if st is None:
            continue
        if pid in gun:
            snap["gunicorn"][pid] = st[2]
        elif st[0].startswith("postgres"):
            snap["postgres"][pid] = st[2]
        elif pid != os.getpid():
            snap["others"][pid] = (st[0], st[2])
    t = os.times()
    snap["client"] = t.user + t.system
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    snap["machine_busy"] = (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK
    snap["wall"] = time.monotonic()
    return snap


def cpu_delta(a: dict, b: dict, our_pg: set[int]) -> dict:
    """CPU used between two snapshots, in CPU seconds. `our_pg`: the bench database's backends and PostgreSQL's
    own background processes; other databases' backends (other people's tests) count as "other"."""
    def used(name, pids=None):
        return sum(v - a[name].get(pid, 0.0) for pid, v in b[name].items() if pids is None or pid in pids)

    d = {"gunicorn": used("gunicorn"), "postgres": used("postgres", our_pg), "client": b["client"] - a["client"],
         "machine": b["machine_busy"] - a["machine_busy"], "wall": b["wall"] - a["wall"]}
    d["other"] = max(0.0, d["machine"] - d["gunicorn"] - d["postgres"] - d["client"])
    d["ours"] = d["machine"] - d["other"]
    # Who the other work was: processes that are not ours, and other databases' PostgreSQL backends.
    busy = Counter()
    for pid, (comm, v) in b["others"].items():
        busy[comm] += v - a["others"].get(pid, (comm, 0.0))[1]
    busy["postgres (other databases)"] = sum(v - a["postgres"].get(pid, 0.0) for pid, v in b["postgres"].items()
                                             if pid not in our_pg)
    d["top_other"] = [(k, v / d["wall"]) for k, v in busy.most_common(4) if v / max(d["wall"], 1e-9) >= 0.02]
    return d


def pg_pids(db_url: str, dbname: str) -> set[int]:
    """Backends of the bench database and PostgreSQL's background processes (WAL writer, checkpointer, ...)."""
    try:
        with pg_connect(db_url) as conn:
            return {r[0] for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s OR backend_type <> 'client backend'", (dbname,))}
    except Exception:  # noqa: BLE001 - accounting only
        return set()


def wait_quiet(server: Server, db_url: str, dbname: str, max_wait: float, deadline: Deadline,
               threshold: float = 0.3) -> float:
    """Wait (at most max_wait s) until the rest of the machine uses under `threshold` cores; returns what it used."""
    end = time.monotonic() + min(max_wait, max(0.0, deadline.left() - 60))
    while True:
        a = cpu_snapshot(server)
        time.sleep(2)
        d = cpu_delta(a, cpu_snapshot(server), pg_pids(db_url, dbname))
        other = d["other"] / d["wall"]
        if other < threshold or time.monotonic() >= end:
            return other
        log(f"the machine is busy with other work ({other:.2f} cores): waiting for it to quieten")


# ------------------------------------------------------------------------------------------------- pg sampler


class PgSampler(threading.Thread):
    """Samples pg_stat_activity of the bench database: how many app sessions are active and what they wait on."""

    def __init__(self, db_url: str, dbname: str, interval: float = 0.25):
        super().__init__(daemon=True)
        self.db_url, self.dbname, self.interval = db_url, dbname, interval
        self.stop_event = threading.Event()
        self.samples = 0
        self.active_sum = 0
        self.max_active = 0
        self.max_connections = 0
        self.waits: Counter = Counter()
        self.lock_waits: Counter = Counter()  # statement that waited on a heavyweight lock
        self.idle_in_tx_sum = 0
        self.pids: set[int] = set()

    def run(self) -> None:
        try:
            conn = pg_connect(self.db_url)
        except Exception:
            return
        q = ("SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 90), pid "
             "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        with conn:
            while not self.stop_event.wait(self.interval):
                try:
                    rows = conn.execute(q, (self.dbname,)).fetchall()
                except Exception:
                    continue
                self.samples += 1
                self.pids.update(r[4] for r in rows)
                active = [r for r in rows if r[0] == "active"]
                self.max_connections = max(self.max_connections, len(rows))
                self.active_sum += len(active)
                self.max_active = max(self.max_active, len(active))
                self.idle_in_tx_sum += sum(1 for r in rows if r[0] == "idle in transaction")
                for _state, wtype, wevent, query, _pid in active:
                    key = f"{wtype}:{wevent}" if wtype else "CPU (no wait)"
                    self.waits[key] += 1
                    if wtype == "Lock":
                        self.lock_waits[f"{wevent}: {query}"] += 1

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=5)


# ------------------------------------------------------------------------------------------------- HTTP client


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.error_kinds: Counter = Counter()
        self.reconnects = 0

    def add(self, op: str, seconds: float, ok: bool, kind: str = "") -> None:
        with self.lock:
            self.lat[op].append(seconds)
            if not ok:
                self.errors[op] += 1
                self.error_kinds[f"{op}:{kind}"] += 1


class Client:
    """One keep-alive connection; requests carry the contestant's cookies and CSRF token."""

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.used = False

    def _connect(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        self.used = False

    def request(self, vc: Contestant, method: str, path: str, body: dict | None, rec: Recorder | None,
                op: str) -> tuple[int, dict | None]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json", "User-Agent": "quizapp-bench/round_open"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if vc.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in vc.cookies.items())
        if vc.csrf:
            headers["X-CSRFToken"] = vc.csrf
        for tries in range(2):
            if self.conn is None:
                self._connect()
            reused = self.used
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self._connect()
                if reused and tries == 0:  # the server closed an idle keep-alive connection: retry once, fresh
                    if rec is not None:
                        with rec.lock:
                            rec.reconnects += 1
                    continue
                if rec is not None:
                    rec.add(op, time.perf_counter() - t0, False, type(e).__name__)
                return 0, None
            except OSError as e:  # timeouts and the like
                self._connect()
                if rec is not None:
                    rec.add(op, time.perf_counter() - t0, False, type(e).__name__)
                return 0, None
            elapsed = time.perf_counter() - t0
            self.used = True
            for h in resp.headers.get_all("Set-Cookie") or []:
                k, _, v = h.split(";", 1)[0].partition("=")
                vc.cookies[k.strip()] = v.strip()
            if resp.getheader("Connection", "").lower() == "close":
                self._connect()
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                payload = None
            ok = 200 <= resp.status < 300
            if rec is not None:
                rec.add(op, elapsed, ok, str(resp.status) + (f" {payload.get('error')}" if isinstance(payload, dict)
                                                             and not ok else ""))
            return resp.status, payload
        return 0, None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


@dataclass
class Contestant:
    identifier: str
    cookies: dict = field(default_factory=dict)
    csrf: str = ""
    logged_in: bool = False
    dup: bool = False
    attempt_id: int | None = None
    dup_attempt_id: int | None = None
    answers: dict = field(default_factory=dict)  # attempt_question_id -> option_id sent last
    saved_ok: int = 0
    submit: dict | None = None
    dup_submit: dict | None = None
    questions: list = field(default_factory=list)
    tried: bool = False  # the timed phase reached this contestant
    done: bool = False


def run_pool(workers: int, items: list, fn, deadline: Deadline) -> float:
    """Run fn(client, item) for every item with `workers` threads; returns the wall time from the common start."""
    lock = threading.Lock()
    it = iter(items)
    barrier = threading.Barrier(workers + 1)
    state = {}

    def worker():
        client = Client(state["port"])
        barrier.wait()
        try:
            while not deadline.passed():
                with lock:
                    item = next(it, None)
                if item is None:
                    return
                fn(client, item)
        finally:
            client.close()

    state["port"] = fn.port
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(timeout=max(1.0, deadline.left() + REQUEST_TIMEOUT + 5))  # a request in flight may finish
    return time.perf_counter() - t0


def make_login(port: int, rec: Recorder, tries: int = 3):
    def login(client: Client, vc: Contestant) -> None:
        for _ in range(tries):  # untimed: a sign-in that timed out under load is simply tried again
            status, body = client.request(vc, "GET", "/api/v1/session", None, rec, "session")
            if status != 200 or not body:
                continue
            vc.csrf = body["csrf_token"]
            status, body = client.request(vc, "POST", "/api/v1/login",
                                          {"identifier": vc.identifier, "password": PASSWORD}, rec, "login")
            if status == 200 and body:
                vc.csrf = body.get("csrf_token", vc.csrf)
                vc.logged_in = True
                return
            if 400 <= status < 500:
                return

    login.port = port
    return login


def make_attempt_flow(port: int, round_id: int, rec: Recorder, seed: int, start: bool = True, answer: bool = True):
    """One contestant's attempt: start (if `start`), then 20 saves and the submit (if `answer`)."""
    local = threading.local()

    def twice(client: Client, vc: Contestant, method: str, path: str, body: dict, op: str):
        """The same request on this connection and, at the same moment, on a second one (a double click)."""
        other: dict = {}
        extra = Client(port)
        ghost = Contestant(vc.identifier, dict(vc.cookies), vc.csrf)  # same cookies, own cookie jar copy
        t = threading.Thread(target=lambda: other.update(r=extra.request(ghost, method, path, body, rec, op + "(dup)")))
        t.start()
        first = client.request(vc, method, path, body, rec, op)
        t.join()
        extra.close()
        return first, other.get("r", (0, None))

    def flow(client: Client, vc: Contestant) -> None:
        if not hasattr(local, "rng"):
            local.rng = random.Random(seed + threading.get_ident())
        rng = local.rng
        vc.tried = True
        if start:
            path = f"/api/v1/rounds/{round_id}/attempts"
            if vc.dup:
                (status, body), (s2, b2) = twice(client, vc, "POST", path, {}, "start")
                vc.dup_attempt_id = b2.get("id") if s2 == 201 and b2 else None
            else:
                status, body = client.request(vc, "POST", path, {}, rec, "start")
            if status != 201 or not body:
                return
            vc.attempt_id = body["id"]
            vc.questions = body["questions"]
        if not answer or vc.attempt_id is None:
            return
        for seq, q in enumerate(vc.questions, start=1):
            option = rng.choice(q["options"])["id"]
            s, b = client.request(vc, "PUT", f"/api/v1/attempts/{vc.attempt_id}/answers/{q['id']}",
                                  {"option_id": option, "seq": seq}, rec, "save")
            if s == 200 and b and b.get("saved"):
                vc.answers[q["id"]] = b["option_id"]
                vc.saved_ok += 1
        body = {"prediction": rng.randint(0, 5000)}
        path = f"/api/v1/attempts/{vc.attempt_id}/submit"
        if vc.dup:
            (status, res), (s2, r2) = twice(client, vc, "POST", path, body, "submit")
            vc.dup_submit = r2 if s2 == 200 else None
        else:
            status, res = client.request(vc, "POST", path, body, rec, "submit")
        if status == 200 and res:
            vc.submit = res
            vc.done = True

    flow.port = port
    return flow


# ------------------------------------------------------------------------------------------------- integrity


def verify(db_url: str, seeded: Seeded, contestants: list[Contestant]) -> dict:
    """Integrity after a timed phase, over the benchmark's own registrations; every figure but the first three must
    be 0."""
    mine = "round_id = %(r)s AND registration_id = ANY(%(regs)s)"
    q = {
        "attempts_not_submitted": f"SELECT count(*) FROM attempt WHERE {mine} AND status <> 'submitted'",
        "attempts_without_20_questions":
            f"SELECT count(*) FROM attempt a WHERE {mine} AND "
            "(SELECT count(*) FROM attempt_question x WHERE x.attempt_id = a.id) <> %(n)s",
        "attempts_without_20_answers":
            f"SELECT count(*) FROM attempt a WHERE {mine} AND "
            "(SELECT count(*) FROM answer x WHERE x.attempt_id = a.id) <> %(n)s",
        "answers_with_foreign_option":
            "SELECT count(*) FROM answer x JOIN attempt a ON a.id = x.attempt_id "
            "JOIN attempt_question aq ON aq.id = x.attempt_question_id "
            f"JOIN question_option o ON o.id = x.option_id WHERE a.{mine} "
            "AND (o.question_id <> aq.question_id OR aq.attempt_id <> x.attempt_id)",
        "grade_not_matching_stored_answers":
            f"SELECT count(*) FROM attempt a WHERE {mine} AND (a.total <> %(n)s OR a.correct IS DISTINCT FROM "
            "(SELECT count(*) FROM answer x JOIN question_option o ON o.id = x.option_id "
            " WHERE x.attempt_id = a.id AND o.is_correct))",
        "submitted_without_time": f"SELECT count(*) FROM attempt WHERE {mine} AND status = 'submitted' "
                                  "AND (submitted_at IS NULL OR duration_ms IS NULL)",
    }
    n = seeded.question_count
    params = {"r": seeded.round_id, "n": n, "regs": seeded.reg_ids}
    driven = {vc.identifier: vc for vc in contestants if vc.tried}
    out = {"contestants_driven": len(driven)}
    with pg_connect(db_url) as conn:
        per_person = conn.execute(
            "SELECT u.phone, u.cccd, count(a.id) FROM registration r JOIN user_account u ON u.id = r.user_id "
            "LEFT JOIN attempt a ON a.registration_id = r.id AND a.round_id = %(r)s "
            "WHERE r.id = ANY(%(regs)s) GROUP BY r.id, u.phone, u.cccd", params).fetchall()
        out["attempts"] = conn.execute(f"SELECT count(*) FROM attempt WHERE {mine}", params).fetchone()[0]
        out["answers"] = conn.execute(f"SELECT count(*) FROM answer x JOIN attempt a ON a.id = x.attempt_id "
                                      f"WHERE a.{mine}", params).fetchone()[0]
        out["contestants_without_exactly_one_attempt"] = sum(
            1 for phone, cccd, count in per_person
            if count != (1 if (phone in driven or cccd in driven) else 0))
        for k, sql in q.items():
            out[k] = conn.execute(sql, params).fetchone()[0]
        attempts = {r[0]: r for r in conn.execute(
            f"SELECT id, status, correct, submitted_at FROM attempt WHERE {mine}", params)}
        stored = defaultdict(dict)
        # The client sees an option as its number on screen (1..n in the attempt's frozen order), never a bank id.
        for aid, aqid, oid, order in conn.execute(
                "SELECT x.attempt_id, x.attempt_question_id, x.option_id, q.option_order FROM answer x "
                "JOIN attempt_question q ON q.id = x.attempt_question_id "
                f"JOIN attempt a ON a.id = x.attempt_id WHERE a.{mine}", params):
            order = json.loads(order) if isinstance(order, str) else order
            stored[aid][aqid] = order.index(oid) + 1 if oid in order else None
    changed = lost = dup_start = dup_submit = unanswered = 0
    for vc in driven.values():
        if vc.attempt_id is None or vc.submit is None:
            unanswered += 1  # start or submit failed for this contestant
            continue
        if vc.dup_attempt_id is not None and vc.dup_attempt_id != vc.attempt_id:
            dup_start += 1
        row = attempts.get(vc.attempt_id)
        sub_at = datetime.fromisoformat(vc.submit["submitted_at"]) if vc.submit.get("submitted_at") else None
        if row is None or row[3] != sub_at or row[2] != vc.submit.get("correct") or vc.submit["status"] != "submitted":
            changed += 1
        if vc.dup_submit and (vc.dup_submit.get("submitted_at"), vc.dup_submit.get("correct")) != (
                vc.submit.get("submitted_at"), vc.submit.get("correct")):
            dup_submit += 1
        lost += sum(1 for aq, oid in vc.answers.items() if stored[vc.attempt_id].get(aq) != oid)
    out["contestants_whose_start_or_submit_failed"] = unanswered
    out["saved_answers_not_as_stored"] = lost
    out["result_changed_after_first_submit"] = changed
    out["double_click_start_got_other_attempt"] = dup_start
    out["double_click_submit_got_other_result"] = dup_submit
    counts = ("contestants_driven", "attempts", "answers")
    out["ok"] = (all(v == 0 for k, v in out.items() if k not in counts) and out["attempts"] == len(driven)
                 and out["answers"] == len(driven) * n)
    return out


def _app(db_url: str):
    from quizapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://" + db_url.split("://", 1)[1],
                       "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False})


def leaderboard_drift(db_url: str, round_id: int) -> int | None:
    """If the app keeps leaderboard aggregates incrementally (services/leaderboard.rebuild_round), how many rows a
    full recomputation would change after the run (0: concurrent submits kept them exact). Rolled back."""
    try:
        from quizapp.services import leaderboard
    except ImportError:
        return None
    if not hasattr(leaderboard, "rebuild_round"):
        return None
    app = _app(db_url)
    from quizapp.extensions import db

    with app.app_context():
        try:
            return leaderboard.rebuild_round(round_id)
        finally:
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()


# ------------------------------------------------------------------------------------------------- start anatomy


def service_anatomy(db_url: str, round_id: int, reg_ids: list[int], reps: int = 20) -> dict:
    """In-process, one thread, against the bench database after the runs: what each operation costs in the service
    layer (no HTTP, no Flask request, no contention), and the pieces of a start. Medians in ms.

    It makes a second attempt for `reps` contestants (the round allows 3), after integrity has been checked.
    """
    from quizapp.domain import draw
    from quizapp.extensions import db
    from quizapp.models import Registration, Round, utcnow
    from quizapp.services import attempts

    app = _app(db_url)
    rng = random.Random(7)
    t = defaultdict(list)
    with app.app_context():
        rnd = db.session.get(Round, round_id)
        regs = [(r.id, r.user_id) for r in db.session.query(Registration).filter(Registration.id.in_(reg_ids[:reps + 1]))]
        reg = db.session.get(Registration, regs[0][0])
        attempts.candidate_questions()  # warm caches
        blueprint = draw.parse_blueprint((rnd.track_blueprints or {}).get(reg.track.code if reg.track else "")
                                         or rnd.blueprint or [])
        system_rng = random.SystemRandom()  # what start_attempt uses when not given one
        for _ in range(reps):
            t0 = time.perf_counter()
            cands = attempts.candidate_questions()
            t1 = time.perf_counter()
            draw.draw_questions(cands, blueprint, rnd.question_count, system_rng)
            t2 = time.perf_counter()
            t["candidate_load"].append(t1 - t0)
            t["draw"].append(t2 - t1)
        db.session.rollback()
        for reg_id, user_id in regs[1:]:
            db.session.remove()
            t0 = time.perf_counter()
            a = attempts.start_attempt(reg_id, round_id, utcnow(), rng=rng)
            t1 = time.perf_counter()
            view = attempts.view_attempt(a, utcnow())
            t2 = time.perf_counter()
            t["start_attempt"].append(t1 - t0)
            t["view_attempt"].append(t2 - t1)
            aid = a.id
            for q in view.questions:
                db.session.remove()
                t0 = time.perf_counter()
                attempts.save_answer(aid, user_id, q.attempt_question_id, rng.choice(q.options).id, utcnow())
                t["save_answer"].append(time.perf_counter() - t0)
            db.session.remove()
            t0 = time.perf_counter()
            attempts.submit_attempt(aid, user_id, utcnow(), prediction=1)
            t["submit_attempt"].append(time.perf_counter() - t0)
        db.session.remove()
        db.engine.dispose()
    out = {k: statistics.median(v) * 1000 for k, v in t.items()}
    out["candidates"] = len(cands)
    return out


# ------------------------------------------------------------------------------------------------- reporting


def op_table(rec: Recorder, ops) -> list[dict]:
    rows = []
    for op in ops:
        lat = sorted(rec.lat.get(op, []))
        if not lat:
            continue
        rows.append({"op": op, "count": len(lat), "errors": rec.errors.get(op, 0),
                     "p50": pct(lat, 50) * 1000, "p95": pct(lat, 95) * 1000, "p99": pct(lat, 99) * 1000,
                     "max": lat[-1] * 1000, "mean": statistics.fmean(lat) * 1000})
    return rows


def fmt_table(rows: list[dict]) -> str:
    head = "| operation | count | errors | p50 ms | p95 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|\n"
    return head + "".join(f"| {r['op']} | {r['count']} | {r['errors']} | {r['p50']:.0f} | {r['p95']:.0f} | "
                          f"{r['p99']:.0f} | {r['max']:.0f} |\n" for r in rows)


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} cores ({model}){mem}, {platform.system()} {platform.release()}"


# ------------------------------------------------------------------------------------------------- main


def parse_configs(spec: str) -> list[tuple[int, int]]:
    out = []
    for part in spec.split(","):
        w, _, t = part.strip().partition("x")
        out.append((int(w), int(t or 1)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contestants", "-n", type=int, default=2000)
    ap.add_argument("--concurrency", "-c", type=int, default=200)
    ap.add_argument("--gunicorn", default="4x4", help="workers x threads, comma-separated to compare (e.g. 4x4,2x8)")
    ap.add_argument("--order", choices=("interleaved", "starts-first"), default="interleaved",
                    help="interleaved: each client thread runs whole attempts one after another; starts-first: all "
                         "contestants start (timed on its own: the start burst), then all answer and submit")
    ap.add_argument("--dup-rate", type=float, default=0.05, help="share of contestants who double-click start/submit")
    ap.add_argument("--scrypt-sample", type=int, default=200,
                    help="contestants whose password has the app's own (scrypt) hash; their sign-in is timed on its "
                         "own; the rest get a cheap pbkdf2 hash so the untimed sign-in is quick (-1: everybody scrypt)")
    ap.add_argument("--login-concurrency", type=int, default=32, help="client threads for the untimed sign-in")
    ap.add_argument("--wait-quiet", type=float, default=90,
                    help="before the timed phase, wait up to this many seconds for other work on the machine to stop")
    ap.add_argument("--bank-extra", type=int, default=0,
                    help="add this many synthetic active questions to the bank (the demo bank has ~330)")
    ap.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    ap.add_argument("--max-seconds", type=float, default=480, help="hard budget for the whole run")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-results", action="store_true", help="do not append to bench/RESULTS.md")
    ap.add_argument("--results-anyway", action="store_true",
                    help="append to bench/RESULTS.md even when other work on the machine disturbed the run")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--app-dir", help="serve the app from this directory instead of this checkout (same .venv)")
    args = ap.parse_args()
    global APP
    APP = Path(args.app_dir).resolve() if args.app_dir else ROOT
    sys.path.insert(0, str(APP))
    if not args.redis_url.startswith("redis://127.0.0.1") and not args.redis_url.startswith("redis://localhost"):
        ap.error("this benchmark only talks to 127.0.0.1")
    configs = parse_configs(args.gunicorn)
    deadline = Deadline(args.max_seconds)
    rng = random.Random(args.seed)
    t_run = time.monotonic()
    started_at = datetime.now().astimezone()

    db_url = ""
    server: Server | None = None
    logdir = Path(tempfile.mkdtemp(prefix="round_open_"))
    results: list[dict] = []
    anatomy: dict = {}
    setup: dict = {}
    interrupted = False

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        # ---------------------------------------------------------------- 1. set-up
        t0 = time.monotonic()
        db_url = create_database()
        dbname = db_url.rsplit("/", 1)[1].split("?")[0]
        log(f"database {dbname} created next to {admin_url()}")
        env = app_env(db_url, args.redis_url)
        run_flask(["db", "upgrade"], env, timeout=120)
        out = run_flask(["demo", "seed"], env, timeout=120)
        log("flask db upgrade; flask demo seed: " + out.strip().splitlines()[0][:100])
        if args.bank_extra:
            size = grow_bank(db_url, args.bank_extra, rng)
            log(f"question bank grown by {args.bank_extra} to {size} active questions")
        real_hash, fast_hash = hashes()
        n_real = args.contestants if args.scrypt_sample < 0 else min(args.scrypt_sample, args.contestants)
        t1 = time.monotonic()
        seeded = seed_contestants(db_url, args.contestants, real_hash, fast_hash, n_real, rng)
        setup["seed_contestants_s"] = time.monotonic() - t1
        setup["setup_s"] = time.monotonic() - t0
        setup["hash_method"] = real_hash.split("$", 1)[0]
        setup["n_real"] = n_real
        setup["pg"] = pg_settings(db_url)
        setup["code"] = code_version()
        log(f"{args.contestants} contestants inserted in {setup['seed_contestants_s']:.1f}s; open round "
            f"«{seeded.round_name}» (id {seeded.round_id}, {seeded.question_count} questions, bank {seeded.bank_size})")

        import redis

        contestants = [Contestant(i) for i in seeded.identifiers]
        for vc in contestants:
            vc.dup = rng.random() < args.dup_rate
        for idx, (workers, threads) in enumerate(configs):
            if deadline.left() < 60:
                log(f"time budget nearly spent: skipping gunicorn {workers}x{threads}")
                break
            redis.Redis.from_url(args.redis_url).flushdb()
            if idx:
                reset_attempts(db_url, seeded.reg_ids)
                for vc in contestants:
                    vc.attempt_id = vc.dup_attempt_id = vc.submit = vc.dup_submit = None
                    vc.answers, vc.questions, vc.saved_ok, vc.tried, vc.done = {}, [], 0, False, False
            server = Server(workers, threads, env, logdir)
            server.start()
            log(f"gunicorn {server.label} (workers x threads) healthy on {HOST}:{server.port}")

            # ------------------------------------------------------------ 3. sign in (untimed)
            if idx == 0:
                rec_login = Recorder()
                quiet = wait_quiet(server, db_url, dbname, args.wait_quiet, deadline) if n_real else 0.0
                c0 = cpu_snapshot(server)
                wall_real = run_pool(args.login_concurrency, contestants[:n_real], make_login(server.port, rec_login),
                                     deadline) if n_real else 0.0
                c1 = cpu_snapshot(server)
                table_real = op_table(rec_login, ("session", "login"))
                wall_rest = run_pool(args.login_concurrency, contestants[n_real:], make_login(server.port, rec_login),
                                     deadline)
                ok_real = sum(vc.logged_in for vc in contestants[:n_real])
                ok = sum(vc.logged_in for vc in contestants)
                cpu = cpu_delta(c0, c1, pg_pids(db_url, dbname))
                setup["login"] = {"n": n_real, "ok": ok_real, "wall_s": wall_real,
                                  "rate": ok_real / wall_real if wall_real else 0.0, "table": table_real,
                                  "other_cores": cpu["other"] / cpu["wall"] if wall_real else quiet,
                                  "server_cpu_ms": server_cpu(cpu) / max(1, ok_real) * 1000,
                                  "capacity_per_min": capacity(cpu, ok_real) * 60,
                                  "errors": dict(rec_login.error_kinds), "all_ok": ok, "rest_s": wall_rest}
                log(f"signed in {ok}/{len(contestants)} (untimed); the {n_real} with the app's "
                    f"{setup['hash_method']} hash at {setup['login']['rate']:.1f}/s, the rest in {wall_rest:.1f}s")
                if ok < len(contestants):
                    log(f"sign-in errors: {dict(rec_login.error_kinds)}; going on with the {ok} signed in")
                contestants = [vc for vc in contestants if vc.logged_in]

            # ------------------------------------------------------------ 4. the minute the round opens (timed)
            quiet = wait_quiet(server, db_url, dbname, args.wait_quiet, deadline)
            rec = Recorder()
            sampler = PgSampler(db_url, dbname)
            sampler.start()
            cpu0 = cpu_snapshot(server)
            burst = None
            if args.order == "interleaved":
                wall = run_pool(args.concurrency, contestants,
                                make_attempt_flow(server.port, seeded.round_id, rec, args.seed + idx), deadline)
            else:  # every contestant presses "start" first, then they all answer
                wall_a = run_pool(args.concurrency, contestants, make_attempt_flow(
                    server.port, seeded.round_id, rec, args.seed + idx, answer=False), deadline)
                cpu_mid = cpu_snapshot(server)
                started_a = sum(vc.attempt_id is not None for vc in contestants)
                burst = {"wall_s": wall_a, "starts": started_a, "per_s": started_a / wall_a,
                         "cpu": cpu_delta(cpu0, cpu_mid, sampler.pids | pg_pids(db_url, dbname)),
                         "table": op_table(rec, ("start",))}
                log(f"start burst: {started_a} starts in {wall_a:.1f}s ({started_a / wall_a:.1f}/s)")
                wall_b = run_pool(args.concurrency, contestants, make_attempt_flow(
                    server.port, seeded.round_id, rec, args.seed + idx, start=False), deadline)
                wall = wall_a + wall_b
            cpu1 = cpu_snapshot(server)
            sampler.stop()
            cpu = cpu_delta(cpu0, cpu1, sampler.pids | pg_pids(db_url, dbname))
            completed = sum(vc.done for vc in contestants)
            started = sum(vc.attempt_id is not None for vc in contestants)
            requests = sum(len(v) for v in rec.lat.values())
            log(f"timed phase {server.label}: {completed}/{len(contestants)} attempts in {wall:.1f}s, "
                f"{requests / wall:.0f} req/s; other work on the machine {cpu['other'] / cpu['wall']:.2f} cores")

            # ------------------------------------------------------------ 5. integrity
            integrity = verify(db_url, seeded, contestants)
            try:
                drift = leaderboard_drift(db_url, seeded.round_id)
            except Exception as e:  # noqa: BLE001 - an extra check; the app under test may be mid-change
                log(f"leaderboard check skipped: {e!r}")
                drift = None
            if drift is not None:
                integrity["leaderboard_rows_off_after_run"] = drift
                integrity["ok"] = integrity["ok"] and drift == 0
            log("integrity " + ("OK" if integrity["ok"] else "FAILED: " + json.dumps(integrity)))
            server_errors = server.error_lines()
            server.stop()
            server = None
            results.append({
                "config": f"{workers}x{threads}", "workers": workers, "threads": threads, "wall_s": wall,
                "requests": requests, "rps": requests / wall, "completed": completed, "started": started,
                "attempts_per_s": completed / wall, "starts_per_min": started / wall * 60,
                "table": op_table(rec, ("start", "save", "submit", "start(dup)", "submit(dup)")),
                "error_kinds": dict(rec.error_kinds), "reconnects": rec.reconnects,
                "integrity": integrity, "cpu": cpu, "server_error_lines": server_errors, "quiet_before": quiet,
                "pg": {"samples": sampler.samples, "mean_active": sampler.active_sum / max(1, sampler.samples),
                       "max_active": sampler.max_active, "max_connections": sampler.max_connections,
                       "mean_idle_in_tx": sampler.idle_in_tx_sum / max(1, sampler.samples),
                       "waits": sampler.waits.most_common(8), "lock_waits": sampler.lock_waits.most_common(4)},
                "truncated": completed < len(contestants) and deadline.passed(), "burst": burst,
            })

        anatomy = service_anatomy(db_url, seeded.round_id, seeded.reg_ids) if deadline.left() > 15 else {}
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: cleaning up")
    finally:
        if server is not None:
            server.stop()
        if any(r["server_error_lines"] for r in results) or interrupted:
            log(f"gunicorn logs kept in {logdir}")
        else:
            shutil.rmtree(logdir, ignore_errors=True)
        if db_url and not args.keep_db:
            try:
                drop_database(db_url)
                log("database dropped")
            except Exception as e:  # noqa: BLE001 - report, do not mask the run's own error
                log(f"could not drop {db_url}: {e}")
    if interrupted or not results:
        return 1

    total_s = time.monotonic() - t_run
    cmd = ".venv/bin/python bench/round_open.py " + " ".join(sys.argv[1:])
    report = render(args, setup, seeded, results, anatomy, started_at, total_s, cmd.strip())
    print()
    print(report)
    busy = [r["config"] for r in results if r["cpu"]["other"] / r["cpu"]["wall"] > BUSY_CORES]
    if busy and not args.results_anyway and not args.no_results:
        log(f"not appended to bench/RESULTS.md: other work used more than {BUSY_CORES} cores during {', '.join(busy)} "
            f"(run again when the machine is quiet, or pass --results-anyway)")
    elif not args.no_results:
        path = ROOT / "bench" / "RESULTS.md"
        if path.exists():
            existing = path.read_text()
            text = ("" if existing.endswith("\n\n") else "\n" if existing.endswith("\n") else "\n\n") + report
        else:
            text = "# Benchmark results\n\n" + report
        with path.open("a") as f:  # append only: other sections stay as they are
            f.write(text)
        log(f"appended to {path.relative_to(ROOT)}")
    return 0 if all(r["integrity"]["ok"] for r in results) else 2


def code_version() -> str:
    """Which code was served: git commit and uncommitted changes, or the --app-dir path."""
    head = subprocess.run(["git", "-C", str(APP), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0 or APP != ROOT:
        return f"the copy in {APP}" + (f" (git {head.stdout.strip()})" if head.returncode == 0 else "")
    dirty = subprocess.run(["git", "-C", str(APP), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.splitlines()
    return f"working tree at git {head.stdout.strip()}" + (f" + uncommitted changes in {len(dirty)} files" if dirty else "")


def pg_settings(db_url: str) -> str:
    try:
        with pg_connect(db_url) as conn:
            v = conn.execute("SHOW server_version").fetchone()[0]
            mc = conn.execute("SHOW max_connections").fetchone()[0]
            sc = conn.execute("SHOW synchronous_commit").fetchone()[0]
            sb = conn.execute("SHOW shared_buffers").fetchone()[0]
        return f"PostgreSQL {v.split()[0]} (max_connections {mc}, shared_buffers {sb}, synchronous_commit {sc})"
    except Exception:  # noqa: BLE001 - descriptive only
        return "PostgreSQL"


def server_cpu(c: dict) -> float:
    """CPU seconds the server side used: gunicorn and the app's PostgreSQL (not the load client, not others)."""
    return c["gunicorn"] + c["postgres"]


def capacity(c: dict, done: int) -> float:
    """Operations per second this machine's cores would do if the server side had them all (CPU-bound)."""
    per_op = server_cpu(c) / max(1, done)
    return (os.cpu_count() or 1) / per_op if per_op else float("nan")


def render(args, setup, seeded, results, anatomy, started_at, total_s, cmd) -> str:
    best = max(results, key=lambda r: r["attempts_per_s"])
    lines = [f"## Round opening (load) — {started_at:%Y-%m-%d %H:%M %z}", ""]
    lines += [
        f"- Machine: {machine()}. {setup.get('pg', 'PostgreSQL')}, Redis, gunicorn and this load client all run on "
        f"it and share the cores (127.0.0.1 only).",
        f"- Code served: {setup.get('code', '')}.",
        f"- Settings: {args.contestants} contestants, {args.concurrency} client threads (closed loop, no think time, "
        f"keep-alive connections), order {args.order}; open round «{seeded.round_name}», {seeded.question_count} "
        f"questions drawn per attempt from {seeded.bank_size} active; {args.dup_rate:.0%} of contestants double-click "
        f"start and submit; RATELIMIT_ENABLED=0; gunicorn --workers W --threads T as listed.",
        f"- Set-up {setup['setup_s']:.0f} s (COPY of the contestants {setup['seed_contestants_s']:.1f} s); whole run "
        f"{total_s:.0f} s.",
        f"- Command: `{cmd}`", ""]
    lg = setup.get("login")
    if lg and lg["n"]:
        t = {r["op"]: r for r in lg["table"]}
        lines += [f"Sign-in (untimed phase; the {lg['n']} contestants with the app's own {setup['hash_method']} "
                  f"password hash, {args.login_concurrency} client threads): {lg['ok']} in {lg['wall_s']:.1f} s = "
                  f"**{lg['rate']:.1f} sign-ins/s ({lg['rate'] * 60:.0f}/min)**, {lg['server_cpu_ms']:.0f} ms of server "
                  f"CPU each (CPU-bound capacity {lg['capacity_per_min']:.0f}/min); POST /login p50 {t['login']['p50']:.0f} ms, p95 {t['login']['p95']:.0f} ms"
                  f"; other work on the machine meanwhile {lg['other_cores']:.2f} cores.", ""]
    lines += ["| gunicorn workers x threads | timed s | requests/s | attempts completed/s | starts/min sustained | "
              "server CPU per attempt | CPU-bound capacity, attempts/min | CPU used: gunicorn / app's postgres / "
              "client / other work | integrity |",
              "|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in results:
        c = r["cpu"]
        lines.append(
            f"| {r['config']} | {r['wall_s']:.1f} | {r['rps']:.0f} | {r['attempts_per_s']:.1f} | "
            f"{r['starts_per_min']:.0f} | {server_cpu(c) / max(1, r['completed']) * 1000:.0f} ms | "
            f"{capacity(c, r['completed']) * 60:.0f} | "
            f"{c['gunicorn'] / c['wall']:.2f} / {c['postgres'] / c['wall']:.2f} / {c['client'] / c['wall']:.2f} / "
            f"{c['other'] / c['wall']:.2f} cores | {'OK' if r['integrity']['ok'] else '**FAILED**'} |")
    lines.append("")
    noisy = [r for r in results if r["cpu"]["other"] / r["cpu"]["wall"] > BUSY_CORES]
    if noisy:
        who = "; ".join(f"{r['config']}: " + (", ".join(f"{k} {v:.2f}" for k, v in r["cpu"].get("top_other", []))
                                               or "short-lived processes")
                        for r in noisy)
        lines += [f"⚠ Other work used a noticeable share of the cores during {', '.join(r['config'] for r in noisy)} "
                  f"(cores, by process name — {who}): those figures are lower than this machine gives when it is "
                  f"quiet.", ""]
    for r in results:
        lines += [f"Gunicorn {r['config']}: {r['completed']} of {r['integrity']['contestants_driven']} contestants "
                  f"completed their attempt{' (TRUNCATED by the time budget)' if r['truncated'] else ''}; keep-alive "
                  f"reconnects {r['reconnects']}; ERROR lines in the server log {r['server_error_lines']}.", "",
                  fmt_table(r["table"]).rstrip(), ""]
        if r["error_kinds"]:
            lines += [f"Errors by kind: {r['error_kinds']}", ""]
        b = r.get("burst")
        if b:
            st = b["table"][0] if b["table"] else {"p50": float("nan"), "p95": float("nan")}
            lines += [f"Start burst (everybody presses start, nothing else running): {b['starts']} starts in "
                      f"{b['wall_s']:.1f} s = **{b['per_s']:.1f} starts/s ({b['per_s'] * 60:.0f}/min)**, "
                      f"{server_cpu(b['cpu']) / max(1, b['starts']) * 1000:.0f} ms of server CPU per start (CPU-bound "
                      f"capacity {capacity(b['cpu'], b['starts']) * 60:.0f} starts/min); start p50 "
                      f"{st['p50']:.0f} ms, p95 {st['p95']:.0f} ms.", ""]
        pg = r["pg"]
        if pg["samples"]:
            waits = ", ".join(f"{k} {v / pg['samples']:.2f}" for k, v in pg["waits"])
            lines.append(f"App sessions in PostgreSQL (sampled every 0.25 s): mean active {pg['mean_active']:.2f} "
                         f"(max {pg['max_active']}), mean idle in transaction {pg['mean_idle_in_tx']:.1f}, max "
                         f"connections {pg['max_connections']}; mean sessions per wait event: {waits}.")
            if pg["lock_waits"]:
                lines.append("Row-lock waits seen (by the statement waiting): "
                             + "; ".join(f"`{k}…` ×{v}" for k, v in pg["lock_waits"]))
            lines.append("")
        integ = {k: v for k, v in r["integrity"].items() if k != "ok"}
        lines += ["Integrity (SQL, and against what the client sent and was answered): "
                  + ", ".join(f"{k} {v}" for k, v in integ.items()) + ".", ""]
    if anatomy:
        lines += [f"Service layer alone (in-process, one thread, no HTTP, medians): start_attempt "
                  f"{anatomy['start_attempt']:.1f} ms — of which loading all {anatomy['candidates']} active questions "
                  f"and their options {anatomy['candidate_load']:.1f} ms and drawing 20 of them {anatomy['draw']:.1f} ms "
                  f"(SystemRandom, as the app) — then "
                  f"view_attempt (the start response) {anatomy['view_attempt']:.1f} ms, save_answer "
                  f"{anatomy['save_answer']:.1f} ms, submit_attempt {anatomy['submit_attempt']:.1f} ms.", ""]
    c = best["cpu"]
    st = next(x for x in best["table"] if x["op"] == "start")
    b = best.get("burst")
    start_rate = b["per_s"] if b else best["starts_per_min"] / 60  # starts/s
    pace_s = 25.0  # a person reads and answers a question in ~25 s: 22 requests per ~500 s per contestant
    lines += [
        f"What it means for \"thousands start at the same minute\" (best setting {best['config']}, this 2-core "
        f"machine): it sustained **{best['starts_per_min']:.0f} starts/min** while also serving all the saves and "
        f"submits of those contestants ({best['attempts_per_s'] * 60:.0f} whole attempts/min, {best['rps']:.0f} "
        f"requests/s, {server_cpu(c) / max(1, best['completed']) * 1000:.0f} ms of server CPU per attempt)"
        + (f"; starts alone ran at {b['per_s'] * 60:.0f}/min" if b else "") + ". "
        f"At that rate 1,000 / 3,000 / 5,000 contestants pressing start in the same minute have all had their "
        f"questions after ≈{1000 / start_rate:.0f} / {3000 / start_rate:.0f} / {5000 / start_rate:.0f} s "
        f"(with {args.concurrency} requests in flight a start already took p50 {st['p50']:.0f} ms, p95 "
        f"{st['p95']:.0f} ms). Answering at a human pace (one save per ~{pace_s:.0f} s) the measured "
        f"{best['rps']:.0f} requests/s carry ≈{best['rps'] * pace_s:.0f} contestants answering at the same time."]
    if lg and lg["n"]:
        lines.append(f"Signing in: {lg['rate'] * 60:.0f}/min measured (CPU-bound capacity {lg['capacity_per_min']:.0f}"
                     f"/min)" + (" — below the start rate, so contestants who sign in at the opening minute rather "
                                 "than beforehand queue at sign-in first." if lg["rate"] < start_rate else "."))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
