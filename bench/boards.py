"""Board reads under load: the leaderboard (JSON and page), "my place" and the public results page, read by a few
client threads first alone, then while a saveAnswer load (wrk -c32, as save.py) runs; p50/p99 of each read.
Some contestants finish whole attempts first (untimed) so the boards and their places have rows.
    .venv/bin/python bench/boards.py [-n 600] [--finished 100] [--readers 4] [--seconds 20] [--write before]
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import client  # noqa: E402
from lib.common import DEMO_SLUG, log  # noqa: E402
from lib.harness import Run, parser  # noqa: E402
from lib.report import Row  # noqa: E402


def published_round(run: Run, server) -> str:
    """The public results page of a round of the demo contest that has one (the demo seed publishes Tuần 1)."""
    with run.bdb.engine().connect() as conn:
        ids = conn.execute(sa.text("SELECT id FROM round WHERE contest_id = :c ORDER BY number"),
                           {"c": run.seeded.contest_id}).scalars().all()
    c = client.Client(server.port)
    try:
        for rid in ids:
            if c.request(None, "GET", f"/ket-qua/dot/{rid}")[0] == 200:
                return f"/ket-qua/dot/{rid}"
    finally:
        c.close()
    raise RuntimeError("no round of the demo contest has a public results page")


def main() -> None:
    ap = parser(__doc__, contestants=600, seconds=20)
    ap.add_argument("--finished", type=int, default=100, help="contestants who finish an attempt first (default 100)")
    ap.add_argument("--readers", type=int, default=4, help="client threads reading boards (default 4)")
    ap.add_argument("--quiet-seconds", type=float, default=8, help="reads alone, before the load (default 8)")
    ap.add_argument("--read-group", metavar="WxT", help="serve the reads from a second gunicorn group of W workers "
                    "(x T threads) on the same database, as nginx would route the board and results pages to "
                    "workers that saves cannot take (docs/deployment.md); default: one group for everything")
    args = ap.parse_args()
    with Run(args, "board reads under saveAnswer load") as run:
        people = run.database(args.contestants)
        run.sign_in_all(people)
        ping = run.ping((args.connections,))[args.connections]
        server = run.start_server()
        readers = server
        if args.read_group:
            from lib.server import Gunicorn, Server

            readers = Server(Gunicorn.parse(args.read_group), run.env, run.logdir, run.app_dir).start()
            run.servers.append(readers)
            log(f"read group gunicorn {args.read_group} on port {readers.port}")
        finished, savers = people[:args.finished], people[args.finished:]
        rec0 = client.Recorder()
        client.run_pool(server.port, 16, finished, client.whole_attempt(server.port, run.seeded.round_id, rec0,
                                                                         args.seed), run.deadline)
        finished = [vc for vc in finished if vc.done]
        log(f"{len(finished)} whole attempts finished (untimed)")
        run.start_attempts(server, savers)
        reads = {"board (JSON)": f"/api/v1/contests/{DEMO_SLUG}/leaderboard",
                 "board page": f"/bang-xep-hang/{DEMO_SLUG}",
                 "my place (JSON)": f"/api/v1/contests/{DEMO_SLUG}/leaderboard/me",
                 "public results page": published_round(run, readers)}

        def reader(rec):
            def read(c, rng):
                op = rng.choice(list(reads))
                vc = rng.choice(finished) if op.startswith("my place") else None
                c.request(vc, "GET", reads[op], None, rec, op)
            return read

        quiet = client.Recorder()
        wall_q = client.repeat_for(readers.port, args.readers, run.deadline.cap(args.quiet_seconds), reader(quiet))
        loaded = client.Recorder()
        seconds = run.deadline.cap(args.seconds, 60)
        t = threading.Thread(target=client.repeat_for, args=(readers.port, args.readers, seconds, reader(loaded)))
        t.start()
        save = run.wrk_save(server, savers, seconds, args.connections, f"saveAnswer load, wrk -c{args.connections}")
        t.join()
        save.ratio_to = ping
        rows = [Row.from_latencies(f"{op}, alone", quiet.lat[op], wall_q, quiet.errors[op]) for op in reads]
        rows += [save] + [Row.from_latencies(f"{op}, under the save load", loaded.lat[op], seconds, loaded.errors[op])
                          for op in reads]
        errs = {**quiet.error_kinds, **loaded.error_kinds}
        notes = [f"Reads: {', '.join(f'{k} `{v}`' for k, v in reads.items())}; the board lines have no CPU of their "
                 f"own (the save line's CPU includes them)." + (f" Errors: {errs}." if errs else "")]
        run.finish(rows, f"{len(finished)} finished attempts on the boards, {len(savers)} contestants saving; "
                         f"{args.readers} reader threads (keep-alive, no think time"
                         f"{'; reads served by a second group ' + args.read_group if args.read_group else ''}) "
                         f"{args.quiet_seconds:.0f} s alone "
                         f"then {seconds:.0f} s beside the save load.", notes)


if __name__ == "__main__":
    main()
