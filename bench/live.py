"""Benchmark: one live in-hall session with 300 phones on this machine (127.0.0.1 only), issue 14.

What it does (bounded; it cleans up after itself):

1. Set-up: a fresh PostgreSQL database next to BENCH_DATABASE_URL / TEST_DATABASE_URL (default
   postgresql://postgres@127.0.0.1:5432/test; dropped at the end), `flask db upgrade`, a contest with a bank of 30
   questions, its organiser and a session of `--questions` questions (30 s each, points for speed).
2. For each gunicorn setting (`--gunicorn 2x200:redis,1x400:memory` = workers x threads, and the push broker:
   Redis pub/sub on db 12, or the in-process one, which needs a single worker), start `gunicorn --worker-class
   gthread` and wait for /healthz.
3. Untimed: every phone joins through the real pages (GET the join page for the CSRF token, POST the code and a
   name, keep the cookies), and then opens the session's event stream (GET /truc-tiep/<code>/luong) on a
   connection of its own, kept open by a thread reading it; the host signs in and opens the host screen.
4. Timed, per question: the host POSTs "next" (t0); each phone notes when the question event reaches it (the time
   from t0 is the figure: every phone must have it, p95 ≤ 1 s asked) and answers after a random 0–2 s (one POST on
   a second connection), so all 300 answer the same question within 2 s; then the host reveals (the reveal's
   delivery is timed too) and shows the scoreboard.
5. Integrity (SQL): one answer per phone per question, none refused, none after the question closed.
6. A table, printed and written as the "Live contest (300 phones)" section of bench/RESULTS.md.

Usage:  .venv/bin/python bench/live.py [--phones 300] [--questions 3] [--gunicorn 2x200:redis,1x400:memory]
            [--no-results]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/12"
SECRET_KEY = "bench-live-fixed-secret-key-0123456789abcdef"
HOST = "127.0.0.1"
HEADING = "## Live contest (300 phones)"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|data-csrf="([^"]+)"')


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def admin_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_ADMIN_URL


def free_port() -> int:
    from tests.net import free_port as port

    return port()


class Client:
    """A browser's cookies over one keep-alive connection."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _keep(self, resp) -> None:
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                k, v = value.split(";", 1)[0].split("=", 1)
                self.cookies[k.strip()] = v.strip()

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        h = {"Cookie": self._cookie_header(), **(headers or {})}
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                self._keep(resp)
                return resp.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def form(self, path: str, fields: dict) -> tuple[int, bytes]:
        return self.request("POST", path, urlencode(fields, doseq=True).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def csrf(self, path: str) -> str:
        status, html = self.request("GET", path)
        m = CSRF.search(html.decode())
        if status != 200 or not m:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return m.group(1) or m.group(2)


@dataclass
class Phone:
    n: int
    client: Client
    csrf: str = ""
    seen: dict = field(default_factory=dict)  # (phase, position) -> monotonic time first seen
    answers: list = field(default_factory=list)  # (position, status, ms)
    stream_errors: int = 0
    events: threading.Condition = field(default_factory=threading.Condition)


def read_stream(phone: Phone, port: int, path: str, stop: threading.Event, on_state) -> None:
    """One phone's EventSource: read events, note when each (phase, position) first arrives."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("GET", path, headers={"Cookie": phone.client._cookie_header(), "Accept": "text/event-stream"})
        resp = conn.getresponse()
        if resp.status != 200:
            phone.stream_errors += 1
            return
        event = None
        while not stop.is_set():
            line = resp.readline()
            if not line:
                phone.stream_errors += 1
                return
            line = line.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "state":
                state = json.loads(line[6:])["state"]
                key = (state["phase"], state["position"])
                now = time.monotonic()
                with phone.events:
                    if key not in phone.seen:
                        phone.seen[key] = now
                        on_state(phone, state)
                    phone.events.notify_all()
    except (OSError, http.client.HTTPException):
        if not stop.is_set():
            phone.stream_errors += 1
    finally:
        conn.close()


class Server:
    def __init__(self, workers: int, threads: int, env: dict, logdir: Path):
        self.workers, self.threads, self.env, self.port = workers, threads, env, free_port()
        self.log_path = logdir / f"gunicorn-live-{workers}x{threads}.log"
        self.proc = None

    def start(self) -> None:
        cmd = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers),
               "--worker-class", "gthread", "--threads", str(self.threads), "--timeout", "120", "--graceful-timeout", "3",
               "--log-level", "warning", "--error-logfile", str(self.log_path), "wsgi:app"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 40
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                c = http.client.HTTPConnection(HOST, self.port, timeout=2)
                c.request("GET", "/healthz")
                ok = c.getresponse().status == 200
                c.close()
                if ok:
                    time.sleep(1.0)  # every worker booted
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def errors_logged(self) -> int:
        try:
            return sum(1 for line in self.log_path.read_text().splitlines() if "[ERROR]" in line)
        except OSError:
            return 0


def seed(db_url: str, questions: int) -> dict:
    """The contest, its organiser and one session; returns what the clients need."""
    from quizapp import create_app
    from quizapp.domain import live as rules
    from quizapp.models import utcnow
    from quizapp.services import live
    from tests.factories import make_bank, make_contest, make_staff

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False})
    with app.app_context():
        contest = make_contest(utcnow(), slug="hoi-thi-bench")
        make_bank(30)
        host = make_staff("btc-bench", "organizer", [contest])
        topics = tuple(t.topic_id for t in contest.topic_links)
        s = live.create_session(contest, rules.LiveSettings("Hội thi (đo tải)", 30, rules.SPEED),
                                live.QuestionSource(topic_ids=topics, count=questions, tiebreak_count=0),
                                utcnow(), host, random.Random(1))
        options = [[o.id for o in live._question(s, i).options] for i in range(questions)]
        return {"id": s.id, "code": s.join_code, "slug": contest.slug, "options": options}


def reset_session(db_url: str, session_id: int) -> None:
    """Back to the lobby with no players, for the next gunicorn setting."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM live_answer WHERE session_id = :s"), {"s": session_id})
        conn.execute(sa.text("DELETE FROM live_player WHERE session_id = :s"), {"s": session_id})
        conn.execute(sa.text("UPDATE live_session SET phase='lobby', position=-1, opened_at=NULL, closes_at=NULL, "
                             "paused=false, remaining_ms=NULL, version=version+1, started_at=NULL, finished_at=NULL "
                             "WHERE id = :s"), {"s": session_id})
    engine.dispose()


def integrity(db_url: str, session_id: int, phones: int, questions: int) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        q = lambda sql: conn.execute(sa.text(sql), {"s": session_id}).scalar()  # noqa: E731
        out = {
            "players": q("SELECT count(*) FROM live_player WHERE session_id = :s"),
            "answers": q("SELECT count(*) FROM live_answer WHERE session_id = :s"),
            "answers_twice": q("SELECT count(*) FROM (SELECT player_id, position FROM live_answer WHERE session_id = :s "
                               "GROUP BY player_id, position HAVING count(*) > 1) t"),
            "answers_over_time": q("SELECT count(*) FROM live_answer WHERE session_id = :s AND elapsed_ms >= 30000"),
        }
    engine.dispose()
    out["ok"] = (out["players"] == phones and out["answers"] == phones * questions and out["answers_twice"] == 0
                 and out["answers_over_time"] == 0)
    return out


def run_setting(label: str, workers: int, threads: int, broker: str, info: dict, args, db_url: str,
                logdir: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": "0"}
    env.pop("REDIS_URL", None)
    if broker == "redis":
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        env["REDIS_URL"] = REDIS_URL
    server = Server(workers, threads, env, logdir)
    server.start()
    stop = threading.Event()
    phones: list[Phone] = []
    try:
        code = info["code"]
        log(f"{label}: {args.phones} phones join")
        join_errors = 0
        for n in range(args.phones):
            c = Client(server.port)
            token = c.csrf(f"/truc-tiep?ma={code}")
            status, _ = c.form("/truc-tiep", {"csrf_token": token, "code": code, "name": f"Người chơi {n + 1:03d}"})
            join_errors += status != 302
            phones.append(Phone(n, c, token))
        host = Client(server.port)
        token = host.csrf("/dang-nhap")
        host.form("/dang-nhap", {"csrf_token": token, "identifier": "btc-bench", "password": "matkhau123"})
        base = f"/quan-tri/cuoc-thi/{info['slug']}/truc-tiep/{info['id']}"
        host_csrf = host.csrf(base + "/man-hinh")

        rng = random.Random(3)
        timers: list[threading.Timer] = []

        def on_state(phone: Phone, state: dict) -> None:
            if state["phase"] == "question":
                pos = state["position"]
                option = rng.choice(info["options"][pos])
                t = threading.Timer(rng.uniform(0, 2.0), answer, (phone, pos, option))
                t.daemon = True
                timers.append(t)
                t.start()

        def answer(phone: Phone, pos: int, option: int) -> None:
            t = time.monotonic()
            c = Client(server.port)
            c.cookies = dict(phone.client.cookies)
            try:
                status, _ = c.request("POST", f"/truc-tiep/{code}/tra-loi", json.dumps(
                    {"position": pos, "option": option}).encode(),
                    {"Content-Type": "application/json", "X-CSRFToken": phone.csrf})
            except OSError:
                status = 0
            finally:
                c.conn.close()
            phone.answers.append((pos, status, (time.monotonic() - t) * 1000))

        readers = [threading.Thread(target=read_stream, args=(p, server.port, f"/truc-tiep/{code}/luong", stop,
                                                               on_state), daemon=True) for p in phones]
        for r in readers:
            r.start()
        end = time.monotonic() + 60
        while time.monotonic() < end and not all(("lobby", -1) in p.seen for p in phones):
            time.sleep(0.1)
        connected = sum(1 for p in phones if ("lobby", -1) in p.seen)
        log(f"{label}: {connected} streams open")

        def step(action: str) -> float:
            t0 = time.monotonic()
            status, body = host.request("POST", base + "/dieu-khien", json.dumps({"action": action}).encode(),
                                        {"Content-Type": "application/json", "X-CSRFToken": host_csrf})
            if status != 200:
                raise RuntimeError(f"host step {action}: {status} {body[:200]!r}")
            return t0

        def wait_all(key, t0, timeout=20.0) -> list[float]:
            end = time.monotonic() + timeout
            while time.monotonic() < end and not all(key in p.seen for p in phones):
                time.sleep(0.01)
            return [(p.seen[key] - t0) * 1000 for p in phones if key in p.seen]

        question_ms, reveal_ms, missing = [], [], 0
        for pos in range(args.questions):
            t0 = step("next")
            got = wait_all(("question", pos), t0)
            question_ms += got
            missing += len(phones) - len(got)
            end = time.monotonic() + 30
            while time.monotonic() < end and sum(1 for p in phones for a in p.answers if a[0] == pos) < len(phones):
                time.sleep(0.05)
            t0 = step("next")
            got = wait_all(("reveal", pos), t0)
            reveal_ms += got
            missing += len(phones) - len(got)
            step("next")  # scoreboard (or the final board)
            time.sleep(0.5)
        answers = [a for p in phones for a in p.answers]
        result = {
            "label": label, "phones": len(phones), "join_errors": join_errors, "connected": connected,
            "question_ms": question_ms, "reveal_ms": reveal_ms, "missing": missing,
            "answer_ms": [a[2] for a in answers], "answer_errors": sum(1 for a in answers if a[1] != 200),
            "stream_errors": sum(p.stream_errors for p in phones), "log_errors": server.errors_logged(),
        }
        result["integrity"] = integrity(db_url, info["id"], len(phones), args.questions)
        return result
    finally:
        stop.set()
        server.stop()


def fmt(values: list[float]) -> str:
    if not values:
        return "– | – | –"
    return f"{statistics.median(values):.0f} | {pct(values, 95):.0f} | {max(values):.0f}"


def report(results: list[dict], args) -> str:
    lines = [HEADING, "",
             f"`{' '.join(['.venv/bin/python', 'bench/live.py'] + sys.argv[1:])}` on this 2-core machine, loopback, "
             f"PostgreSQL; {args.phones} phones in one session, {args.questions} questions; each phone answers "
             "0–2 s after the question reaches it (all within 2 s). \"Question\" is the time from the host's POST "
             "\"next\" to each phone's stream delivering the question event; \"reveal\" the same for the answer.",
             "",
             "| gunicorn (gthread) | push | streams open | question p50 / p95 / max ms | reveal p50 / p95 / max ms "
             "| answer POST p50 / p95 / max ms | answer errors | events missing | integrity |",
             "|---|---|---:|---|---|---|---:|---:|---|"]
    for r in results:
        i = r["integrity"]
        lines.append(f"| {r['label'].split(':')[0]} | {r['label'].split(':')[1]} | {r['connected']}/{r['phones']} | "
                     f"{fmt(r['question_ms']).replace(' | ', ' / ')} | {fmt(r['reveal_ms']).replace(' | ', ' / ')} | "
                     f"{fmt(r['answer_ms']).replace(' | ', ' / ')} | {r['answer_errors']} | {r['missing']} | "
                     f"{'OK' if i['ok'] else 'FAILED'} ({i['answers']} answers, {i['answers_twice']} twice) |")
    lines.append("")
    lines.append("Stream errors (a phone's stream ended early): "
                 + ", ".join(f"{r['label']} {r['stream_errors']}" for r in results)
                 + "; ERROR lines in the gunicorn log: " + ", ".join(f"{r['label']} {r['log_errors']}" for r in results)
                 + ". Join errors: " + ", ".join(f"{r['label']} {r['join_errors']}" for r in results) + ".")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, default=300)
    ap.add_argument("--questions", type=int, default=3)
    ap.add_argument("--gunicorn", default="2x200:redis,1x400:memory",
                    help="workers x threads : redis|memory, comma-separated")
    ap.add_argument("--no-results", action="store_true", help="do not write bench/RESULTS.md")
    args = ap.parse_args()
    os.environ["TEST_DATABASE_URL"] = admin_url()
    from tests.dbutil import create_pg_database, drop_pg_database

    db_url = create_pg_database("quizapp_live_bench")
    logdir = Path(tempfile.mkdtemp(prefix="live-bench-"))
    results = []
    load_before = os.getloadavg()
    try:
        env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": SECRET_KEY}
        subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi:app", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        info = seed(db_url, args.questions)
        for spec in args.gunicorn.split(","):
            shape, broker = spec.split(":")
            workers, threads = (int(x) for x in shape.split("x"))
            reset_session(db_url, info["id"])
            r = run_setting(spec, workers, threads, broker, info, args, db_url, logdir)
            log(f"{spec}: question p50/p95/max {fmt(r['question_ms'])} ms; answers {len(r['answer_ms'])} "
                f"errors {r['answer_errors']}; integrity {r['integrity']}")
            results.append(r)
    finally:
        drop_pg_database(db_url)
    text = report(results, args)
    text += (f"\nLoad average of the shared machine (other people's test runs): {load_before[0]:.1f} before, "
             f"{os.getloadavg()[0]:.1f} after.\n")
    print(text)
    if not args.no_results:
        from results_file import write_section

        write_section(HEADING, text)


if __name__ == "__main__":
    main()
