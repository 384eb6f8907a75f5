"""What every scenario does: common arguments, the throwaway database with contestants, the /ping baseline under the
same gunicorn settings, the app server, CPU metering, clean-up on any exit, and the report."""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from . import client, db, report
from .common import HOST, ROOT, Deadline, check_local, log
from .cpu import Meter
from .server import Gunicorn, Server


class BenchTimeout(Exception):
    """--max-seconds ran out (the hard stop): clean up and leave."""


def parser(description: str, *, contestants: int, sqlite: bool = False, seconds: float = 30,
           max_seconds: float = 300) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--contestants", type=int, default=contestants, help=f"default {contestants}")
    ap.add_argument("--seconds", type=float, default=seconds, help=f"length of each timed load (default {seconds})")
    ap.add_argument("--ping-seconds", type=float, default=10, help="length of the /ping baseline (default 10)")
    ap.add_argument("--connections", "-c", type=int, default=32, help="wrk connections (default 32)")
    ap.add_argument("--gunicorn", default="5x1", help="workers x threads: 5x1 sync (default, docs/deployment.md), "
                                                      "4x4 gthread")
    ap.add_argument("--worker-class", default="", help="e.g. gevent (only if installed)")
    if sqlite:
        ap.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/13", help="flushed before each server start")
    ap.add_argument("--no-limits", action="store_true", help="RATELIMIT_ENABLED=0 (default: limits on)")
    ap.add_argument("--app-dir", help="serve (and seed) another copy of the code, e.g. /tmp/before from "
                                      "`git -C /work/main archive 4c38a5b | tar -x -C /tmp/before`")
    ap.add_argument("--max-seconds", type=float, default=max_seconds, help=f"hard stop (default {max_seconds})")
    ap.add_argument("--bank-extra", type=int, default=0, help="add this many synthetic active questions to the bank "
                                                             "(the demo has ~700)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--write", metavar="LABEL", help="write the figures to bench/RESULTS.md under this label "
                                                     "(e.g. before, after)")
    ap.add_argument("--keep-db", action="store_true")
    return ap


class Run:
    """`with Run(args, "save") as run:` sets up; on any exit stops the servers it started and drops its database."""

    def __init__(self, args, scenario: str):
        self.args, self.scenario = args, scenario
        self.app_dir = Path(args.app_dir).resolve() if args.app_dir else ROOT
        self.settings = Gunicorn.parse(args.gunicorn, args.worker_class)
        self.deadline = Deadline(args.max_seconds)
        self.rng = random.Random(args.seed)
        self.kind = getattr(args, "db", "postgresql")
        self.started_at = datetime.now().astimezone()
        self.bdb: db.BenchDB | None = None
        self.seeded: db.Seeded | None = None
        self.servers: list[Server] = []
        self.logdir = Path(tempfile.mkdtemp(prefix="bench_" + "".join(ch if ch.isalnum() else "_" for ch in scenario)))
        self.ping_rows: dict[int, report.Row] = {}
        self.seq_base = 1
        self.env = dict(os.environ)  # replaced by the app's environment once there is a database
        check_local(args.redis_url)

    # ------------------------------------------------------------------ lifetime
    def __enter__(self) -> Run:
        sys.path.insert(0, str(self.app_dir))  # the served code, for seeding, sessions and the password hash

        def stop(signum, frame):
            raise BenchTimeout(f"signal {signum}")

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGALRM, stop)
        signal.alarm(max(1, int(self.args.max_seconds)))  # the hard stop, whatever a phase is doing
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        signal.alarm(0)
        for s in self.servers:
            s.stop()
        errors = sum(s.error_lines() for s in self.servers)
        if errors or exc_type:
            log(f"gunicorn logs kept in {self.logdir} ({errors} ERROR lines)")
        else:
            shutil.rmtree(self.logdir, ignore_errors=True)
        if self.bdb and not self.args.keep_db:
            try:
                self.bdb.drop()
                log(f"database {self.bdb.name} dropped")
            except Exception as e:  # noqa: BLE001 - report, do not mask the run's own error
                log(f"could not drop {self.bdb.name}: {e}")
        if exc_type in (BenchTimeout, KeyboardInterrupt):
            log(f"stopped: {exc or 'interrupted'} (--max-seconds {self.args.max_seconds:.0f})")
            sys.exit(3)
        return False

    # ------------------------------------------------------------------ set-up
    def database(self, contestants: int) -> list[client.Contestant]:
        """A fresh database of the served code, the demo contest, and `contestants` registered people."""
        t0 = time.monotonic()
        self.bdb = db.create(self.kind)
        self.env = db.app_env(self.bdb, self.args.redis_url, limits=not self.args.no_limits)
        db.upgrade_and_seed(self.bdb, self.app_dir, self.env)
        if self.args.bank_extra:
            log(f"bank grown to {db.grow_bank(self.bdb, self.args.bank_extra, self.rng)} active questions")
        self.password_hash = db.app_password_hash()
        self.seeded = db.seed_contestants(self.bdb, contestants, self.password_hash, self.rng)
        log(f"{contestants} contestants in {time.monotonic() - t0:.0f}s; open round «{self.seeded.round_name}» "
            f"(id {self.seeded.round_id}, {self.seeded.question_count} questions from {self.seeded.bank_size})")
        return [client.Contestant(i, u) for i, u in zip(self.seeded.identifiers, self.seeded.user_ids, strict=True)]

    def sign_in_all(self, contestants: list[client.Contestant]) -> None:
        """Signed-in sessions for everyone (minted by the app's own code: untimed, no password check)."""
        for vc, (cookies, csrf) in zip(contestants, db.mint_sessions(self.bdb, [vc.user_id for vc in contestants]),
                                       strict=True):
            vc.cookies, vc.csrf, vc.logged_in = cookies, csrf, True

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.args.redis_url).flushdb()

    def start_server(self, ping: bool = False, extra_env: dict | None = None) -> Server:
        if not ping:
            self.flush_redis()
        env = {**self.env, **(extra_env or {})} if not ping else self.env
        s = Server(self.settings, env, self.logdir, self.app_dir, ping=ping).start()
        self.servers.append(s)
        log(f"gunicorn {self.settings.label} ({'ping' if ping else 'app'}) on {HOST}:{s.port}")
        return s

    def meter(self, server: Server) -> Meter:
        return Meter(server.pids, lambda: db.pg_backend_pids(self.bdb) if self.bdb else set())

    # ------------------------------------------------------------------ the /ping baseline
    def ping(self, connections: tuple[int, ...] = (32,)) -> dict[int, report.Row]:
        """The trivial Flask /ping under the same gunicorn settings, with wrk at each connection count."""
        server = self.start_server(ping=True)
        try:
            for c in connections:
                with self.meter(server) as m:
                    w = client.wrk(server.url, "bench.lua", self.deadline.cap(self.args.ping_seconds),
                                   connections=c, threads=min(2, c), env={"BENCH_MODE": "get", "BENCH_PATH": "/ping",
                                                                          "BENCH_THREADS": str(min(2, c))})
                self.ping_rows[c] = report.Row.from_wrk(f"/ping, wrk -c{c}", w, cpu=m.use)
                log(f"/ping -c{c}: {w.rps:.0f} req/s, p50 {w.p50:.1f} ms, p99 {w.p99:.1f} ms")
        finally:
            server.stop()
            self.servers.remove(server)
        return self.ping_rows

    def wrk_save(self, server: Server, contestants: list[client.Contestant], seconds: float, connections: int,
                 name: str) -> report.Row:
        """saveAnswer with wrk: every contestant's attempt in progress, a random question and option each time."""
        data = client.tempfile_path(".tsv")
        try:
            client.write_save_data(contestants, data)
            threads = min(2, connections)
            with self.meter(server) as m:
                w = client.wrk(server.url, "bench.lua", self.deadline.cap(seconds), connections, threads,
                               env={"BENCH_MODE": "save", "BENCH_DATA": str(data), "BENCH_THREADS": str(threads),
                                    "BENCH_SEQ_BASE": str(self.seq_base)})
            self.seq_base += w.requests + 1
        finally:
            data.unlink(missing_ok=True)
        note = ", ".join(f"{k}×{v}" for k, v in sorted(w.statuses.items()) if k != "200")
        row = report.Row.from_wrk(name, w, cpu=m.use, ratio_to=self.ping_rows.get(connections), note=note)
        log(f"{name}: {w.rps:.0f} req/s, p50 {w.p50:.1f} ms, p95 {w.p95:.1f} ms, errors {w.errors} {note}")
        return row

    def start_attempts(self, server: Server, contestants: list[client.Contestant], threads: int = 16) -> int:
        """Untimed: every contestant starts an attempt in the open round (their questions kept)."""
        rec = client.Recorder()
        wall = client.run_pool(server.port, threads, contestants,
                               lambda c, vc: client.start(c, vc, self.seeded.round_id, rec), self.deadline)
        ok = sum(vc.attempt_id is not None for vc in contestants)
        log(f"{ok}/{len(contestants)} attempts started in {wall:.0f}s (untimed)"
            + (f"; errors {dict(rec.error_kinds)}" if rec.error_kinds else ""))
        return ok

    # ------------------------------------------------------------------ report
    def header(self, settings: str) -> list[str]:
        cmd = f".venv/bin/python bench/{Path(sys.argv[0]).name} " + " ".join(sys.argv[1:])
        return [f"When: {self.started_at:%Y-%m-%d %H:%M %z}. Machine: {report.machine()}; the database, Redis, "
                f"gunicorn and the load client share its cores (127.0.0.1 only).",
                f"Code served: {report.code_version(self.app_dir)}. {db.pg_settings(self.bdb) if self.bdb else ''}.",
                f"gunicorn {self.settings.label} for the app and for /ping (bench/ping_app.py); rate limits "
                f"{'OFF' if self.args.no_limits else 'ON'} (Redis {self.args.redis_url}). {settings}",
                f"Command: `{cmd.strip()}`"]

    def finish(self, rows: list[report.Row], settings: str, extra: list[str] | None = None) -> None:
        heading, text = report.section(self.scenario, self.args.write or "latest", self.header(settings),
                                       [*self.ping_rows.values(), *rows], extra or [])
        print(text)
        if self.args.write:
            report.write(heading, text)
            log(f"written to bench/RESULTS.md: {heading}")
