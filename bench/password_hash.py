"""What one sign-in's password hash costs, in process: argon2id at the app's parameters (OWASP's minimum, see
quizapp/passwords.py) against the werkzeug scrypt hash the app stored before issue 13.

For each scheme: set_password (hashing a new password) and check_password (a sign-in), N times each (default 50),
median and p95 of the CPU time of this process (time.process_time, so other work on the shared machine inflates
it less than wall time) and the wall time; then sign-ins per minute per core = 60 s / the median CPU of a check.
Also the one-off cost of a sign-in with an old hash (check it, then hash the password again with argon2id).

    .venv/bin/python bench/password_hash.py              # print the table
    .venv/bin/python bench/password_hash.py --results    # and replace the section in bench/RESULTS.md
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADING = "## Password hash (in process)"
PASSWORD = "Matkhau@2026"


def _timed(fn, n: int) -> tuple[list[float], list[float]]:
    """(CPU seconds, wall seconds) of n calls, after one warm-up call."""
    fn()
    cpu, wall = [], []
    for _ in range(n):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return cpu, wall


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def measure(n: int) -> list[dict]:
    from werkzeug.security import generate_password_hash

    from quizapp import passwords
    from quizapp.models import User

    def user_with(stored: str) -> User:
        return User(full_name="", password_hash=stored)

    argon = user_with(passwords.hash_password(PASSWORD))
    old = generate_password_hash(PASSWORD)  # werkzeug's default: scrypt:32768:8:1, what the app stored before
    scrypt = user_with(old)
    assert argon.check_password(PASSWORD) and scrypt.check_password(PASSWORD)
    assert not argon.password_needs_upgrade and scrypt.password_needs_upgrade

    def upgrade() -> None:  # what accounts.authenticate does for an old hash, without the database write
        u = user_with(old)
        assert u.check_password(PASSWORD) and u.password_needs_upgrade
        u.set_password(PASSWORD)

    rows = []
    for scheme, params, hasher, user in (
        ("argon2id (now)", f"m={passwords.MEMORY_KIB} KiB, t={passwords.TIME_COST}, p={passwords.PARALLELISM}",
         lambda: user_with("").set_password(PASSWORD), argon),
        ("werkzeug scrypt (before)", old.split("$", 1)[0], lambda: generate_password_hash(PASSWORD), scrypt),
    ):
        for op, fn in (("set_password", hasher), ("check_password", lambda u=user: u.check_password(PASSWORD))):
            cpu, wall = _timed(fn, n)
            rows.append({"scheme": scheme, "params": params, "op": op, "cpu": statistics.median(cpu),
                         "cpu95": _p95(cpu), "wall": statistics.median(wall)})
    cpu, wall = _timed(upgrade, n)
    rows.append({"scheme": "old scrypt → argon2id", "params": "check + rehash", "op": "first sign-in after upgrade",
                 "cpu": statistics.median(cpu), "cpu95": _p95(cpu), "wall": statistics.median(wall)})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| scheme | parameters | operation | CPU median | CPU p95 | wall median | per minute per core |",
             "|---|---|---|---:|---:|---:|---:|"]
    for r in rows:
        rate = f"{60 / r['cpu']:,.0f}" if r["cpu"] > 0 else "–"
        lines.append(f"| {r['scheme']} | {r['params']} | {r['op']} | {r['cpu'] * 1000:.1f} ms | "
                     f"{r['cpu95'] * 1000:.1f} ms | {r['wall'] * 1000:.1f} ms | {rate} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=50, help="calls per operation (default 50)")
    parser.add_argument("--results", action="store_true", help="replace the section in bench/RESULTS.md")
    args = parser.parse_args()
    from importlib.metadata import version

    started = datetime.now(UTC)
    load_before = os.getloadavg()[0]
    rows = measure(args.n)
    load_after = os.getloadavg()[0]
    text = table(rows)
    print(text)
    argon_check = next(r for r in rows if r["scheme"].startswith("argon2id") and r["op"] == "check_password")
    scrypt_check = next(r for r in rows if r["scheme"].startswith("werkzeug") and r["op"] == "check_password")
    summary = (f"A sign-in checks one hash: {argon_check['cpu'] * 1000:.1f} ms CPU with argon2id against "
               f"{scrypt_check['cpu'] * 1000:.1f} ms with scrypt, {scrypt_check['cpu'] / argon_check['cpu']:.1f}× "
               f"fewer CPU seconds, i.e. about {60 / argon_check['cpu']:,.0f} sign-ins per minute per core "
               f"(scrypt: {60 / scrypt_check['cpu']:,.0f}).")
    print(summary)
    if not args.results:
        return
    from bench.results_file import write_section

    storm = 5000 * argon_check["cpu"] / 60
    write_section(HEADING, f"""{HEADING}

`.venv/bin/python bench/password_hash.py --results`, {started:%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} CPUs
shared with other work (load average {load_before:.1f} before, {load_after:.1f} after), Python {platform.python_version()},
argon2-cffi {version("argon2-cffi")}. In process (no HTTP, no database), through `User.set_password` /
`User.check_password`; {args.n} calls per operation after one warm-up; CPU time of this process.

{text}

{summary}

- Only the hash is counted here, not the HTTP request, the account lookup or the session (another benchmark
  measures sign-in over HTTP). Each argon2id check also holds 19 MiB of memory while it runs.
- The first sign-in with an old hash pays the old check plus one argon2id hash (and one UPDATE), once per account.
- 5,000 contestants all signing in within one minute would need {storm:.1f} cores for the hashes alone; with
  "Ghi nhớ đăng nhập" (ticked by default, a year-long cookie) they are already signed in when the round opens.
"""
)


if __name__ == "__main__":
    main()
