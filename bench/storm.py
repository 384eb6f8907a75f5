"""Round-open storm: N signed-in contestants press "start" within S seconds (open loop: each at its own moment,
on its own connection, whatever the server's pace). Errors, time to the first question (the start response
received, counted from the moment the contestant pressed), starts/s against the same-run /ping.
    .venv/bin/python bench/storm.py [-n 5000] [-s 60] [--db sqlite] [--gunicorn 4x4] [--write before]
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import client  # noqa: E402
from lib.harness import Run, parser  # noqa: E402
from lib.pgwait import PgSampler  # noqa: E402
from lib.report import Row  # noqa: E402


def check(run: Run, arrivals: list[client.Arrival]) -> str:
    """No contestant with two attempts, an attempt with all its questions for every answered start. Starts the
    client gave up on may still have made an attempt (the server finished them after the client left): counted."""
    ok_ids = [a.body["id"] for a in arrivals if a.status == 201 and isinstance(a.body, dict)]
    params = {"r": run.seeded.round_id, "g": run.seeded.reg_ids, "a": ok_ids or [0], "n": run.seeded.question_count}
    expanding = (sa.bindparam("g", expanding=True), sa.bindparam("a", expanding=True))
    mine = "round_id = :r AND registration_id IN :g"
    with run.bdb.engine().connect() as conn:
        def one(sql: str) -> int:
            return conn.execute(sa.text(sql).bindparams(*[b for b in expanding if ":" + b.key in sql]),
                                params).scalar_one()

        total = one(f"SELECT count(*) FROM attempt WHERE {mine}")
        twice = one(f"SELECT count(*) FROM (SELECT registration_id FROM attempt WHERE {mine} "
                    "GROUP BY registration_id HAVING count(*) > 1) t")
        found = one("SELECT count(*) FROM attempt WHERE id IN :a")
        short = one("SELECT count(*) FROM attempt a WHERE a.id IN :a AND (SELECT count(*) FROM attempt_question q "
                    "WHERE q.attempt_id = a.id) <> :n")
    good = twice == 0 and short == 0 and found == len(set(ok_ids)) == len(ok_ids)
    return (f"Integrity {'OK' if good else '**FAILED**'}: {found} of {len(ok_ids)} answered starts' attempts in the "
            f"database, {short} of them without all {run.seeded.question_count} questions, {twice} contestants with "
            f"two attempts; {total - found} attempts made for starts whose answer the client never got (it gave up "
            "or was cut off: the server still worked on them).")


def main() -> None:
    ap = parser(__doc__, contestants=5000, sqlite=True, seconds=60, max_seconds=420)
    ap.add_argument("-s", "--spread", type=float, default=60, help="seconds over which they press start (60)")
    ap.add_argument("--timeout", type=float, default=60, help="a contestant gives up after this many seconds")
    args = ap.parse_args()
    with Run(args, f"round-open storm ({getattr(args, 'db', 'postgresql')})") as run:
        people = run.database(args.contestants)
        run.sign_in_all(people)
        ping = run.ping((args.connections,))[args.connections]
        server = run.start_server()
        path = f"/api/v1/rounds/{run.seeded.round_id}/attempts"
        due = sorted(run.rng.uniform(0, args.spread) for _ in people)
        reqs = [(at, "POST", path, vc.headers(), {}) for at, vc in zip(due, people)]
        with run.meter(server) as m, PgSampler(run.bdb) as sampler:
            arrivals = client.open_loop(server.port, reqs, timeout=args.timeout,
                                        max_seconds=run.deadline.cap(args.spread + args.timeout + 10, 30))
        ok = [a for a in arrivals if a.status == 201]
        ends = [a.at + a.latency for a in (ok or arrivals) if a.latency == a.latency]  # up to the last answered start
        span = max(ends, default=0) - min((a.at for a in arrivals), default=0)
        answered = [a.latency for a in arrivals if a.latency == a.latency]  # not NaN: cancelled at the time limit
        row = Row.from_latencies(f"start, {len(people)} within {args.spread:.0f} s", answered, span,
                                 len(arrivals) - len(ok), cpu=m.use, ratio_to=ping)
        row.requests = len(ok)  # req/s and CPU per request: per start answered (p50..max: over every press)
        kinds = Counter(a.kind for a in arrivals if a.status != 201)
        notes = [f"**{len(ok)} of {len(people)} started, {row.errors} errors**"
                 + (f" ({', '.join(f'{k} ×{v}' for k, v in kinds.most_common())})" if kinds else "")
                 + f"; time to the first question p50 {row.p50:.0f} ms, p99 {row.p99:.0f} ms, max {row.max:.0f} ms; "
                 f"{len(ok) / span if span else 0:.1f} starts/s over {span:.1f} s from the first press to the last "
                 f"start answered (pressing rate {len(people) / args.spread:.1f}/s: when the server keeps up, starts/s is "
                 "the pressing rate, not its capacity).", check(run, arrivals), sampler.summary()]
        run.finish([row], f"{len(people)} contestants, signed in beforehand (sessions made by the app's own "
                          f"login_user), press start at uniformly random moments within {args.spread:.0f} s, one "
                          f"connection each (asyncio), giving up after {args.timeout:.0f} s; /ping with wrk "
                          f"-c{args.connections}. req/s = starts answered / that span.", notes)


if __name__ == "__main__":
    main()
