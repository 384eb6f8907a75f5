"""The quick versions of every issue-13 scenario, one after another (small N, short loads; `make bench`).

Each runs as its own process with its own hard --max-seconds; a scenario that fails is reported and the rest still
run. Options given here are passed to every scenario (--app-dir, --gunicorn, --worker-class, --no-limits).
    .venv/bin/python bench/run_all.py [--app-dir DIR] [--gunicorn 4x4] [--with-import]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PYTHON = BENCH.parent / ".venv/bin/python"
QUICK = [
    ("baseline.py", ["--ping-seconds", "5"]),
    ("save.py", ["-n", "300", "--seconds", "10", "--one-seconds", "5", "--ping-seconds", "5"]),
    ("save.py", ["--db", "sqlite", "-n", "200", "--seconds", "8", "--one-seconds", "4", "--ping-seconds", "5"]),
    ("storm.py", ["-n", "300", "-s", "10", "--ping-seconds", "5"]),
    ("attempt.py", ["-n", "60", "--threads", "16", "--ping-seconds", "5"]),
    ("boards.py", ["-n", "200", "--finished", "40", "--seconds", "10", "--quiet-seconds", "4", "--ping-seconds", "5"]),
    ("signin.py", ["-n", "50", "--threads", "4", "--ping-seconds", "5"]),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--app-dir")
    ap.add_argument("--gunicorn")
    ap.add_argument("--worker-class")
    ap.add_argument("--no-limits", action="store_true")
    ap.add_argument("--with-import", action="store_true", help="also bench/import_10k.py (about a minute)")
    args = ap.parse_args()
    common = [*(["--app-dir", args.app_dir] if args.app_dir else []), *(["--gunicorn", args.gunicorn] if args.gunicorn
                                                                       else []),
              *(["--worker-class", args.worker_class] if args.worker_class else []),
              *(["--no-limits"] if args.no_limits else [])]
    runs = [(s, [*a, *common, "--max-seconds", "180"]) for s, a in QUICK]
    if args.with_import:
        runs.append(("import_10k.py", []))
    failed = []
    for script, extra in runs:
        cmd = [str(PYTHON), str(BENCH / script), *extra]
        print(f"\n==> {' '.join(['bench/' + script, *extra])}", flush=True)
        t0 = time.monotonic()
        rc = subprocess.run(cmd, cwd=BENCH.parent, timeout=240).returncode
        print(f"<== {script}: exit {rc} in {time.monotonic() - t0:.0f} s", flush=True)
        if rc:
            failed.append(script)
    print("\nall scenarios ran" if not failed else f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
