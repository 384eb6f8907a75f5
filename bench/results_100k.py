"""Benchmark: results of a 100,000-attempt round (issue 13: computed in under 5 s, exported to xlsx in under 30 s).

For each database (a throwaway SQLite file, and a throwaway PostgreSQL database created next to
BENCH_DATABASE_URL / TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test, dropped afterwards):
`flask db upgrade`, the demo seed, then `flask demo synth --attempts N` (services.synth) into Tuần 1 (closed),
then times what `flask results compute` and the organiser's download run: results.compute (close expired
attempts, rebuild the round's aggregates from every attempt, rank, prizes, flags, write the result rows) and
results.export of the organiser's full file as xlsx (and as CSV, for comparison). Bounded by --max-seconds.

Usage:  .venv/bin/python bench/results_100k.py [--attempts 100000] [--each 1] [--sqlite-only] [--profile]
                                               [--label TEXT] [--write]
"""
from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import shlex
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import results_file  # noqa: E402

HEADING = "## Results of a 100,000-attempt round"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def _timed(fn, profile: bool, label: str, out: dict, key: str):
    """Run fn; out[key] = wall seconds, out[key + "_cpu"] = this process's CPU seconds (the machine is shared:
    CPU time moves less with other people's load; on PostgreSQL it leaves out the server's own work)."""
    prof = cProfile.Profile() if profile else None
    t, cpu = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    value = fn()
    if prof:
        prof.disable()
    out[key], out[key + "_cpu"] = time.perf_counter() - t, time.process_time() - cpu
    if prof:
        print(f"--- profile: {label} ({out[key]:.2f} s)")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return value


def run_one(url: str, attempts: int, each: int, profile: bool) -> dict:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db
    from quizapp.models import Round, utcnow
    from quizapp.services import demo, results, synth

    instance = Path(tempfile.mkdtemp())
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    out = {}
    with app.app_context():
        upgrade()
        now = utcnow()
        t = time.perf_counter()
        demo.seed_demo(now, instance)
        out["seed"] = time.perf_counter() - t
        t = time.perf_counter()
        report = synth.synthesize(attempts, now, round_number=1, each=each, seed=13)
        out["synth"] = time.perf_counter() - t
        out["synth_insert"], out["synth_aggregates"] = report.seconds_insert, report.seconds_aggregates
        round_id = db.session.scalar(db.select(Round.id).where(Round.number == 1, Round.kind == "weekly"))
        out["attempts"] = db.session.scalar(db.text("SELECT count(*) FROM attempt WHERE round_id = :r"), {"r": round_id})
        db.session.remove()  # a fresh session, as a command or a request has
        draft = _timed(lambda: results.compute(round_id, utcnow()), profile, "compute", out, "compute")
        out["ranked"] = draft.ranked_count
        db.session.remove()
        data, _ = _timed(lambda: results.export(round_id, "xlsx"), profile, "export xlsx", out, "xlsx")
        out["xlsx_bytes"] = len(data)
        db.session.remove()
        data, _ = _timed(lambda: results.export(round_id, "csv"), False, "export csv", out, "csv")
        out["csv_bytes"] = len(data)
        db.session.remove()
        db.engine.dispose()
    return out


def _pg_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith(("postgres://", "postgresql://")) else url


def _heading(args) -> str:
    return HEADING + (f" — {args.label}" if args.label else "")


def _stop(*_):
    raise TimeoutError("--max-seconds reached")


def report(results: dict, args) -> str:
    engines = list(results)
    rows = [
        ("attempts in the round (synthesised + the demo's own)", lambda r: f"{r['attempts']:,}"),
        ("synth: insert (COPY / executemany)", lambda r: f"{r['synth_insert']:.1f} s"),
        ("synth: rebuild the round's aggregates", lambda r: f"{r['synth_aggregates']:.1f} s"),
        ("**results.compute** (draft, ranked rows written): wall / app CPU",
         lambda r: f"**{r['compute']:.2f} s** / {r['compute_cpu']:.2f} s ({r['ranked']:,} rows)"),
        ("**export: organiser's xlsx**: wall / app CPU",
         lambda r: f"**{r['xlsx']:.2f} s** / {r['xlsx_cpu']:.2f} s ({r['xlsx_bytes'] / 1e6:.1f} MB)"),
        ("export: organiser's CSV: wall / app CPU",
         lambda r: f"{r['csv']:.2f} s / {r['csv_cpu']:.2f} s ({r['csv_bytes'] / 1e6:.1f} MB)"),
    ]
    lines = [f"{_heading(args)} — {time.strftime('%Y-%m-%d %H:%M')}", "",
             f"`bench/results_100k.py`, {platform.machine()}, {os.cpu_count()} CPUs shared with other engineers' "
             f"work, Python {platform.python_version()}. Demo seed, then {args.attempts:,} synthesised finished "
             f"attempts ({args.each} per contestant) in Tuần 1; each step in a fresh session. Load average when "
             f"done: {os.getloadavg()[0]:.1f} (other engineers' work on the same 2 cores).", "",
             "| | " + " | ".join(engines) + " |", "|---|" + "---|" * len(engines)]
    lines += [f"| {name} | " + " | ".join(cell(results[e]) for e in engines) + " |" for name, cell in rows]
    cmd = shlex.join(a for a in sys.argv[1:] if a != "--write")
    lines += ["", f"Command: `{('.venv/bin/python bench/results_100k.py ' + cmd).rstrip()}`", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--each", type=int, default=1)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile compute and the xlsx export")
    parser.add_argument("--max-seconds", type=int, default=600)
    parser.add_argument("--label", default="")
    parser.add_argument("--write", action="store_true", help="replace the section in bench/RESULTS.md")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _stop)
    signal.signal(signal.SIGTERM, _stop)  # bounded: the run stops, and the PostgreSQL database is still dropped
    signal.alarm(args.max_seconds)

    results = {}
    tmp = Path(tempfile.mkdtemp())
    results["SQLite"] = run_one(f"sqlite:///{tmp / 'bench.sqlite3'}", args.attempts, args.each, args.profile)
    print("SQLite:", {k: round(v, 2) for k, v in results["SQLite"].items()}, flush=True)
    if not args.sqlite_only:
        os.environ["TEST_DATABASE_URL"] = _pg_url()
        from tests import dbutil

        url = dbutil.create_pg_database("quizapp_bench_results")
        try:
            results["PostgreSQL"] = run_one(url, args.attempts, args.each, args.profile)
            print("PostgreSQL:", {k: round(v, 2) for k, v in results["PostgreSQL"].items()}, flush=True)
        finally:
            dbutil.drop_pg_database(url)
    text = report(results, args)
    print(text)
    if args.write:
        results_file.write_section(_heading(args), text)
        print(f"written to {results_file.RESULTS}")


if __name__ == "__main__":
    main()
