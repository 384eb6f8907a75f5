"""Baseline: the trivial Flask /ping (bench/ping_app.py) under the given gunicorn settings, wrk -c32 and -c1.

Every other scenario measures this same baseline in its own run; this command shows it alone.
    .venv/bin/python bench/baseline.py [--gunicorn 5x1] [--ping-seconds 10]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib.harness import Run, parser  # noqa: E402


def main() -> None:
    args = parser(__doc__, contestants=0, max_seconds=120).parse_args()
    with Run(args, "baseline /ping") as run:
        rows = run.ping((32, 1))
        rows[1].ratio_to = rows[32]
        run.finish([], "wrk -t2 -c32 and -t1 -c1, GET /ping; the -c1 line's ratio is to -c32.")


if __name__ == "__main__":
    main()
