"""Sign-in: POST /api/v1/login rate and latency with the password hash the served code's own User.set_password
makes (scrypt today; argon2id once it changes), C client threads, rate limits on.

Each contestant comes from its own address (X-Forwarded-For, with TRUSTED_PROXIES=1 as behind the proxy of
docs/deployment.md), so the per-address limit (120/min) counts offices, not this one load client; every contestant
signs in once, far below the per-account limit. The CSRF token (GET /api/v1/session) is fetched untimed first.
    .venv/bin/python bench/signin.py [-n 200] [--threads 8] [--write before]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import client  # noqa: E402
from lib.common import PASSWORD  # noqa: E402
from lib.harness import Run, parser  # noqa: E402
from lib.report import Row  # noqa: E402


def main() -> None:
    ap = parser(__doc__, contestants=200)
    ap.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    args = ap.parse_args()
    with Run(args, "sign-in") as run:
        people = run.database(args.contestants)
        for i, vc in enumerate(people):
            vc.forwarded_for = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256 + 1}"
        ping = run.ping((args.connections,))[args.connections]
        server = run.start_server(extra_env={"TRUSTED_PROXIES": "1"})
        rec = client.Recorder()

        def get_token(c, vc):
            status, body = c.request(vc, "GET", "/api/v1/session", None, rec, "session")
            vc.csrf = body.get("csrf_token", "") if status == 200 and isinstance(body, dict) else ""

        def login(c, vc):
            status, body = c.request(vc, "POST", "/api/v1/login", {"identifier": vc.identifier,
                                                                   "password": PASSWORD}, rec, "login")
            vc.logged_in = status == 200

        client.run_pool(server.port, args.threads, people, get_token, run.deadline)
        with run.meter(server) as m:
            wall = client.run_pool(server.port, args.threads, people, login, run.deadline)
        row = Row.from_latencies(f"POST /api/v1/login, {args.threads} threads", rec.lat["login"], wall,
                                 rec.errors["login"], cpu=m.use, ratio_to=ping)
        ok = sum(vc.logged_in for vc in people)
        method = run.password_hash.split("$", 1)[0]
        notes = [f"**{ok} of {len(people)} signed in: {ok / wall:.1f} sign-ins/s ({ok / wall * 60:.0f}/min)** with "
                 f"the app's `{method}` hash; {m.use.gunicorn / max(1, ok) * 1000:.0f} ms gunicorn CPU per sign-in."
                 + (f" Errors: {dict(rec.error_kinds)}." if rec.error_kinds else "")]
        run.finish([row], f"{len(people)} contestants, each signing in once from its own address (X-Forwarded-For, "
                          f"TRUSTED_PROXIES=1), {args.threads} client threads, keep-alive.", notes)


if __name__ == "__main__":
    main()
