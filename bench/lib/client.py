"""Load generation on 127.0.0.1: wrk with Lua for fixed-connection throughput, a thread client for flows (one
keep-alive connection per thread, per-request latency), and an asyncio open-loop client for storms."""
from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import random
import re
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .common import BENCH, HOST, PASSWORD, USER_AGENT, Deadline, check_local

REQUEST_TIMEOUT = 60.0  # seconds, per HTTP request
WRK_DIR = BENCH / "lib" / "wrk"


@dataclass
class Contestant:
    identifier: str
    user_id: int = 0
    cookies: dict = field(default_factory=dict)
    csrf: str = ""
    forwarded_for: str = ""  # X-Forwarded-For (only signin.py, with TRUSTED_PROXIES=1: many offices, not one)
    dup: bool = False  # double-clicks start and submit
    attempt_id: int | None = None
    dup_attempt_id: int | None = None
    questions: list = field(default_factory=list)
    answers: dict = field(default_factory=dict)  # attempt question id -> option number sent and acknowledged
    submit: dict | None = None
    dup_submit: dict | None = None
    tried: bool = False
    done: bool = False
    logged_in: bool = False

    def headers(self) -> dict:
        h = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.csrf:
            h["X-CSRFToken"] = self.csrf
        if self.forwarded_for:
            h["X-Forwarded-For"] = self.forwarded_for
        return h


class Recorder:
    """Per-operation latencies (seconds) and errors, thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.error_kinds: Counter = Counter()

    def add(self, op: str, seconds: float, ok: bool, kind: str = "") -> None:
        with self.lock:
            self.lat[op].append(seconds)
            if not ok:
                self.errors[op] += 1
                self.error_kinds[f"{op}: {kind}"] += 1

    def count(self) -> int:
        return sum(len(v) for v in self.lat.values())


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

    def request(self, vc: Contestant | None, method: str, path: str, body: dict | None = None,
                rec: Recorder | None = None, op: str = "") -> tuple[int, dict | str | None]:
        data = json.dumps(body).encode() if body is not None else None
        headers = vc.headers() if vc else {"Accept": "application/json", "User-Agent": USER_AGENT}
        if data is not None:
            headers["Content-Type"] = "application/json"
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
                    continue
                if rec:
                    rec.add(op, time.perf_counter() - t0, False, type(e).__name__)
                return 0, None
            except OSError as e:  # timeouts and the like
                self._connect()
                if rec:
                    rec.add(op, time.perf_counter() - t0, False, type(e).__name__)
                return 0, None
            elapsed = time.perf_counter() - t0
            self.used = True
            if vc is not None:
                for h in resp.headers.get_all("Set-Cookie") or []:
                    k, _, v = h.split(";", 1)[0].partition("=")
                    vc.cookies[k.strip()] = v.strip()
            if resp.getheader("Connection", "").lower() == "close":
                self._connect()
            payload = raw.decode(errors="replace")
            if "json" in resp.getheader("Content-Type", ""):
                with contextlib.suppress(ValueError):
                    payload = json.loads(raw)
            ok = 200 <= resp.status < 300
            if rec:
                err = payload.get("error") if isinstance(payload, dict) and not ok else ""
                rec.add(op, elapsed, ok, f"{resp.status} {err or ''}".strip())
            return resp.status, payload
        return 0, None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def run_pool(port: int, threads: int, items: list, fn, deadline: Deadline) -> float:
    """fn(client, item) for every item on `threads` threads (one connection each); wall time from a common start."""
    lock = threading.Lock()
    it = iter(items)
    barrier = threading.Barrier(threads + 1)

    def worker():
        client = Client(port)
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

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join(timeout=max(1.0, deadline.left() + REQUEST_TIMEOUT + 5))
    return time.perf_counter() - t0


def repeat_for(port: int, threads: int, seconds: float, fn) -> float:
    """fn(client, rng) over and over on `threads` threads for `seconds`; returns the wall time."""
    end = time.monotonic() + seconds

    def worker(i):
        client, rng = Client(port), random.Random(i)
        try:
            while time.monotonic() < end:
                fn(client, rng)
        finally:
            client.close()

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + REQUEST_TIMEOUT + 5)
    return time.perf_counter() - t0


# ------------------------------------------------------------------------------------------------ flows


def sign_in(client: Client, vc: Contestant, rec: Recorder | None = None) -> bool:
    """GET /api/v1/session (CSRF token), POST /api/v1/login: what the app's own page does."""
    status, body = client.request(vc, "GET", "/api/v1/session", None, rec, "session")
    if status != 200 or not isinstance(body, dict):
        return False
    vc.csrf = body.get("csrf_token", "")
    status, body = client.request(vc, "POST", "/api/v1/login", {"identifier": vc.identifier, "password": PASSWORD},
                                  rec, "login")
    if status == 200 and isinstance(body, dict):
        vc.csrf = body.get("csrf_token", vc.csrf)
        vc.logged_in = True
    return vc.logged_in


def start(client: Client, vc: Contestant, round_id: int, rec: Recorder | None, op: str = "start") -> bool:
    status, body = client.request(vc, "POST", f"/api/v1/rounds/{round_id}/attempts", {}, rec, op)
    if status == 201 and isinstance(body, dict):
        vc.attempt_id, vc.questions = body["id"], body["questions"]
        return True
    return False


def _twice(port: int, client: Client, vc: Contestant, method: str, path: str, body: dict, rec: Recorder, op: str):
    """The same request on this connection and, at the same moment, on a second one (a double click)."""
    other: dict = {}
    extra = Client(port)
    ghost = Contestant(vc.identifier, vc.user_id, dict(vc.cookies), vc.csrf)
    t = threading.Thread(target=lambda: other.update(r=extra.request(ghost, method, path, body, rec, op + "(dup)")))
    t.start()
    first = client.request(vc, method, path, body, rec, op)
    t.join()
    extra.close()
    return first, other.get("r", (0, None))


def whole_attempt(port: int, round_id: int, rec: Recorder, seed: int):
    """One contestant's attempt: start, a random option for every question, submit with a prediction; contestants
    with `dup` send their start and their submit twice at once."""
    local = threading.local()

    def flow(client: Client, vc: Contestant) -> None:
        if not hasattr(local, "rng"):
            local.rng = random.Random(seed + threading.get_ident())
        rng = local.rng
        vc.tried = True
        path = f"/api/v1/rounds/{round_id}/attempts"
        if vc.dup:
            (status, body), (s2, b2) = _twice(port, client, vc, "POST", path, {}, rec, "start")
            vc.dup_attempt_id = b2.get("id") if s2 == 201 and isinstance(b2, dict) else None
        else:
            status, body = client.request(vc, "POST", path, {}, rec, "start")
        if status != 201 or not isinstance(body, dict):
            return
        vc.attempt_id, vc.questions = body["id"], body["questions"]
        for seq, q in enumerate(vc.questions, start=1):
            option = rng.choice(q["options"])["id"]
            s, b = client.request(vc, "PUT", f"/api/v1/attempts/{vc.attempt_id}/answers/{q['id']}",
                                  {"option_id": option, "seq": seq}, rec, "save")
            if s == 200 and isinstance(b, dict) and b.get("saved"):
                vc.answers[q["id"]] = b["option_id"]
        body = {"prediction": rng.randint(0, 5000)}
        path = f"/api/v1/attempts/{vc.attempt_id}/submit"
        if vc.dup:
            (status, res), (s2, r2) = _twice(port, client, vc, "POST", path, body, rec, "submit")
            vc.dup_submit = r2 if s2 == 200 else None
        else:
            status, res = client.request(vc, "POST", path, body, rec, "submit")
        if status == 200 and isinstance(res, dict):
            vc.submit, vc.done = res, True

    return flow


# ------------------------------------------------------------------------------------------------ open loop


@dataclass
class Arrival:
    at: float  # seconds after the storm began that this request was due
    latency: float = float("nan")  # from due time to the whole response received
    status: int = 0
    kind: str = ""
    body: dict | None = None


async def _one(port: int, method: str, path: str, headers: dict, body: bytes, timeout: float) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close",
                f"Content-Length: {len(body)}", "Content-Type: application/json"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(-1), timeout)
    finally:
        writer.close()
    status = int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/") else 0
    return status, raw.partition(b"\r\n\r\n")[2]


def open_loop(port: int, requests: list[tuple[float, str, str, dict, dict | None]], timeout: float = REQUEST_TIMEOUT,
              max_seconds: float = 300) -> list[Arrival]:
    """Each request (due time s, method, path, headers, JSON body) sent at its due time on its own connection,
    whatever the server's pace (people do not wait for each other); latency counts from the due time."""
    async def main() -> list[Arrival]:
        t0 = time.perf_counter() + 0.2
        out: list[Arrival] = []

        async def fire(at, method, path, headers, body):
            a = Arrival(at)
            out.append(a)
            await asyncio.sleep(max(0.0, t0 + at - time.perf_counter()))
            try:
                status, raw = await asyncio.wait_for(_one(port, method, path, headers,
                                                          json.dumps(body or {}).encode(), timeout), timeout)
                a.status = status
                if raw:
                    try:
                        a.body = json.loads(raw)
                    except ValueError:
                        a.body = None
            except (TimeoutError, OSError) as e:
                a.kind = type(e).__name__
            a.latency = time.perf_counter() - (t0 + at)
            if not 200 <= a.status < 300 and not a.kind:
                a.kind = f"{a.status} " + (a.body.get("error", "") if isinstance(a.body, dict) else "")

        tasks = [asyncio.create_task(fire(*r)) for r in requests]
        done, pending = await asyncio.wait(tasks, timeout=max_seconds)
        for t in pending:
            t.cancel()
        return out

    return asyncio.run(main())


# ------------------------------------------------------------------------------------------------ wrk


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50: float  # ms
    p95: float
    p99: float
    max: float
    errors: int  # socket errors, timeouts and non-2xx answers
    statuses: dict

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok_rps(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0


def write_save_data(contestants: list[Contestant], path: Path) -> None:
    """One line per contestant with an attempt in progress: cookie, CSRF, attempt id, question ids and option counts."""
    if not any(vc.attempt_id for vc in contestants):
        raise RuntimeError("no contestant has an attempt in progress: nothing to save")
    with path.open("w") as f:
        for vc in contestants:
            if vc.attempt_id is None:
                continue
            qs = ",".join(f"{q['id']}:{len(q['options'])}" for q in vc.questions)
            f.write("\t".join((vc.headers()["Cookie"], vc.csrf, str(vc.attempt_id), qs)) + "\n")


def wrk(url: str, script: str, seconds: float, connections: int = 32, threads: int = 2,
        env: dict | None = None) -> WrkResult:
    """wrk -t threads -c connections -d seconds with one of bench/lib/wrk/*.lua; its done() prints a JSON line."""
    check_local(url)
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "30s",
           "-s", str(WRK_DIR / script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})},
                         timeout=seconds + 60)
    m = re.search(r"^BENCH (\{.*\})$", out.stdout, re.M)
    if out.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    d = json.loads(m.group(1))
    statuses = {k: v for k, v in d.get("statuses", {}).items() if v}
    non2xx = sum(v for k, v in statuses.items() if not k.startswith("2"))
    return WrkResult(d["requests"], d["duration_us"] / 1e6, d["p50"] / 1000, d["p95"] / 1000, d["p99"] / 1000,
                     d["max"] / 1000, d["socket_errors"] + non2xx, statuses)


def tempfile_path(suffix: str) -> Path:
    fd, path = tempfile.mkstemp(prefix="bench_", suffix=suffix)
    os.close(fd)
    return Path(path)
