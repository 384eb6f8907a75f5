"""Whole attempts: start + a random option for each of the 20 questions + submit with a prediction, closed loop on
C client threads (5% double-click start and submit), then round_open.py's integrity checks in SQL and against what
the client sent and was answered.
    .venv/bin/python bench/attempt.py [-n 400] [--threads 32] [--db sqlite] [--gunicorn 4x4] [--write before]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import client, db  # noqa: E402
from lib.harness import Run, parser  # noqa: E402
from lib.pgwait import PgSampler  # noqa: E402
from lib.report import Row  # noqa: E402


def main() -> None:
    ap = parser(__doc__, contestants=400, sqlite=True, max_seconds=300)
    ap.add_argument("--threads", type=int, default=32, help="client threads, one connection each (default 32)")
    ap.add_argument("--dup-rate", type=float, default=0.05, help="share who double-click start and submit")
    args = ap.parse_args()
    with Run(args, f"whole attempt ({getattr(args, 'db', 'postgresql')})") as run:
        people = run.database(args.contestants)
        run.sign_in_all(people)
        for vc in people:
            vc.dup = run.rng.random() < args.dup_rate
        ping = run.ping((args.connections,))[args.connections]
        server = run.start_server()
        rec = client.Recorder()
        flow = client.whole_attempt(server.port, run.seeded.round_id, rec, args.seed)
        with run.meter(server) as m, PgSampler(run.bdb) as sampler:
            wall = client.run_pool(server.port, args.threads, people, flow, run.deadline)
        done = sum(vc.done for vc in people)
        every = [v for lat in rec.lat.values() for v in lat]
        rows = [Row.from_latencies(f"all requests, {args.threads} threads", every, wall, sum(rec.errors.values()),
                                   cpu=m.use, ratio_to=ping)]
        rows += [Row.from_latencies(op, rec.lat[op], wall, rec.errors[op]) for op in
                 ("start", "save", "submit", "start(dup)", "submit(dup)") if rec.lat.get(op)]
        integrity = db.verify_attempts(run.bdb, run.seeded, people)
        drift = db.leaderboard_drift(run.bdb, run.seeded.round_id)
        if drift is not None:
            integrity["leaderboard_rows_off_after_run"] = drift
            integrity["ok"] = integrity["ok"] and drift == 0
        cpu = m.use
        notes = [f"**{done} of {len(people)} whole attempts in {wall:.1f} s = {done / wall:.2f} attempts/s**; "
                 f"{(cpu.gunicorn / max(1, done)) * 1000:.0f} ms gunicorn + {(cpu.postgres / max(1, done)) * 1000:.0f}"
                 f" ms PostgreSQL CPU per attempt" + (f"; errors {dict(rec.error_kinds)}" if rec.error_kinds else "")
                 + ".",
                 f"Integrity {'OK' if integrity.pop('ok') else '**FAILED**'}: {json.dumps(integrity)}.",
                 sampler.summary()]
        run.finish(rows, f"{len(people)} contestants signed in beforehand, {args.threads} client threads (keep-alive, "
                         f"no think time), {args.dup_rate:.0%} double-click start and submit; the per-operation lines "
                         "have no CPU or ratio of their own.", notes)


if __name__ == "__main__":
    main()
