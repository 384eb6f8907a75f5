"""Paths, logging, the time budget and the 127.0.0.1-only guard shared by every scenario."""
from __future__ import annotations

import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

BENCH = Path(__file__).resolve().parent.parent  # bench/
ROOT = BENCH.parent  # the checkout the scripts live in; its .venv is used for every copy of the code served
HOST = "127.0.0.1"
LOCAL_HOSTS = (None, "", "127.0.0.1", "localhost", "::1")
SECRET_KEY = "bench-issue13-fixed-secret-key-0123456789abcdef"
PASSWORD = "Matkhau@2026"
DEMO_SLUG = "cchc-2026"
USER_AGENT = "quizapp-bench"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def check_local(url: str) -> None:
    """The benchmark only ever talks to this machine."""
    host = urlparse(url).hostname
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"refusing {url}: the benchmark only talks to 127.0.0.1")


class Deadline:
    """The run's hard time budget (--max-seconds): phases stop taking new work once it is spent."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def passed(self) -> bool:
        return self.left() <= 0

    def cap(self, seconds: float, reserve: float = 15.0) -> float:
        """`seconds`, or less if the budget (minus a reserve for clean-up) is shorter; never below 1 s."""
        return max(1.0, min(seconds, self.left() - reserve))
