"""gunicorn for the app (wsgi:app of --app-dir) or for the /ping baseline (bench/ping_app.py), same settings."""
from __future__ import annotations

import contextlib
import http.client
import importlib.util
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .common import BENCH, HOST, ROOT, free_port
from .cpu import children_of


@dataclass(frozen=True)
class Gunicorn:
    """--gunicorn WxT (T=1: sync workers, else gthread) or --worker-class gevent."""
    workers: int = 5
    threads: int = 1
    worker_class: str = ""

    @classmethod
    def parse(cls, spec: str, worker_class: str = "") -> Gunicorn:
        w, _, t = spec.lower().partition("x")
        g = cls(int(w), int(t or 1), worker_class)
        if g.worker_class == "gevent" and importlib.util.find_spec("gevent") is None:
            raise SystemExit("--worker-class gevent: gevent is not installed in .venv")
        return g

    @property
    def label(self) -> str:
        kind = self.worker_class or ("sync" if self.threads == 1 else "gthread")
        return f"{self.workers}x{self.threads} {kind}"

    def args(self) -> list[str]:
        out = ["--workers", str(self.workers), "--threads", str(self.threads)]
        return out + (["--worker-class", self.worker_class] if self.worker_class else [])


class Server:
    """One gunicorn master started as a subprocess; stopped by its own pid (and its own workers' pids)."""

    def __init__(self, settings: Gunicorn, env: dict, logdir: Path, app_dir: Path | None = None, ping: bool = False):
        self.settings, self.env, self.ping = settings, env, ping
        self.cwd = BENCH if ping else app_dir
        self.port = free_port()
        self.log_path = logdir / f"gunicorn-{'ping' if ping else 'app'}-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 60) -> Server:
        cmd = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"{HOST}:{self.port}", *self.settings.args(),
               "--timeout", "120", "--backlog", "4096", "--log-level", "warning", "--error-logfile",
               str(self.log_path), "ping_app:app" if self.ping else "wsgi:app"]
        self.proc = subprocess.Popen(cmd, cwd=self.cwd, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                c = http.client.HTTPConnection(HOST, self.port, timeout=5)
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200 and len(self.worker_pids()) >= self.settings.workers:
                    return self
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not become healthy in {timeout}s:\n{self.log_tail()}")

    def pids(self) -> set[int]:
        return {self.proc.pid, *self.worker_pids()} if self.proc else set()

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

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def error_lines(self) -> int:
        try:
            return sum("ERROR" in line for line in self.log_path.read_text(errors="replace").splitlines())
        except OSError:
            return 0
