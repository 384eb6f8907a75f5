"""saveAnswer under load: PUT /api/v1/attempts/<id>/answers/<qid> at -c32 with wrk, then one client (-c1).

N signed-in contestants each with an attempt in progress (started through the API, untimed); each request picks the
next contestant, a random question of their attempt and a random option. Rate limits stay on: the load is spread
over enough contestants to stay under 240 saves/min per account (a warning says when it was not).
    .venv/bin/python bench/save.py [-n 800] [--seconds 30] [--db sqlite] [--gunicorn 4x4] [--write before]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib.common import log  # noqa: E402
from lib.harness import Run, parser  # noqa: E402

SAVES_PER_MINUTE = 240  # the app's per-account limit on saves


def main() -> None:
    ap = parser(__doc__, contestants=800, sqlite=True, seconds=30)
    ap.add_argument("--one-seconds", type=float, default=10, help="length of the one-client run (default 10)")
    args = ap.parse_args()
    with Run(args, f"saveAnswer ({getattr(args, 'db', 'postgresql')})") as run:
        people = run.database(args.contestants)
        run.sign_in_all(people)
        run.ping((args.connections, 1))
        server = run.start_server()
        run.start_attempts(server, people)
        run.wrk_save(server, people, 3, args.connections, "warm-up")
        rows = [run.wrk_save(server, people, args.seconds, args.connections, f"saveAnswer, wrk -c{args.connections}"),
                run.wrk_save(server, people, args.one_seconds, 1, "saveAnswer, one client (wrk -c1)")]
        per_account = max(r.rps for r in rows) * 60 / max(1, len(people))
        notes = [f"Each contestant saved at most ≈{per_account:.0f}/min on average (limit {SAVES_PER_MINUTE}/min)."]
        if per_account > SAVES_PER_MINUTE * 0.8:
            log(f"WARNING: {per_account:.0f} saves/min per account is near the limit: raise -n")
            notes.append("⚠ near the per-account limit: some refusals may be the limiter; raise -n.")
        for r in rows:
            if r.note:
                notes.append(f"{r.name}: answers other than 200: {r.note}.")
        notes.append(f"Longest a save waited: {max(r.max for r in rows):.0f} ms.")
        run.finish(rows, f"{len(people)} contestants, each with an attempt in progress; wrk -t2 (-t1 for -c1) with "
                         f"bench/lib/wrk/bench.lua, {args.seconds:.0f} s at -c{args.connections}, "
                         f"{args.one_seconds:.0f} s at -c1, after a 3 s warm-up.", notes)


if __name__ == "__main__":
    main()
