"""Crash drill, longer than the CI test: several `kill -9` of a worker and of the whole gunicorn during saves.

Same code as tests/web/test_crash_drill.py (run_drill), with more contestants, longer phases and more kills.
Throwaway databases only: a SQLite file in a temporary directory and, unless --sqlite-only, a fresh PostgreSQL
database next to TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test), dropped at the end.
Prints the figures as a Markdown table (docs/reliability/crash-and-readonly.md).

    .venv/bin/python docs/reliability/crash_drill.py                  # ~2 minutes
    .venv/bin/python docs/reliability/crash_drill.py --worker-kills 5 --server-kills 3 --contestants 8
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

from tests import dbutil  # noqa: E402
from tests.web.test_crash_drill import run_drill  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contestants", type=int, default=8)
    ap.add_argument("--worker-kills", type=int, default=5)
    ap.add_argument("--server-kills", type=int, default=3)
    ap.add_argument("--phase", type=float, default=4.0, help="seconds of saving between two kills")
    ap.add_argument("--sqlite-only", action="store_true")
    args = ap.parse_args()
    rows, failed = [], False
    for backend in ["sqlite"] + ([] if args.sqlite_only else ["postgresql"]):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'drill.sqlite3'}" if backend == "sqlite" else \
                dbutil.create_pg_database("quizapp_crash_drill")
            began = time.monotonic()
            try:
                f = run_drill(url, Path(tmp), contestants=args.contestants, phase=args.phase,
                              worker_kills=args.worker_kills, server_kills=args.server_kills)
            finally:
                if backend == "postgresql":
                    dbutil.drop_pg_database(url)
        ok = not (f["lost"] or f["phantom"] or f["regraded"] or f["wrong_grade"] or f["unsent_left"])
        failed |= not ok
        errors = ", ".join(f"{n} {kind}" for kind, n in sorted(f["errors"].items())) or "none"
        rows.append(f"| {backend} | {f['worker_kills']} worker + {f['server_kills']} server | {f['contestants']} | "
                    f"{f['choices']:,} | {f['requests']:,} | {f['acknowledged']:,} | {len(f['lost'])} | "
                    f"{len(f['phantom'])} | {errors} | {f['retried']} | {f['max_wait_s']} | "
                    f"{', '.join(map(str, f['restarts_s']))} | {f['submitted']} submitted, "
                    f"{len(f['regraded']) + len(f['wrong_grade'])} wrong | {time.monotonic() - began:.0f} |")
    print("| database | kills (-9) | contestants | choices | PUTs sent | acknowledged | lost | never sent but "
          "stored | errors seen by clients | re-sends | longest wait for an ack, s | restart to serving, s | "
          "grading | drill s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
