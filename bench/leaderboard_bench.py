"""Benchmark: leaderboards at a million attempts (issue: fast at a million attempts, live during the round).

Fills a fresh database with one contest: a province of 100 communes, 60 units in two blocks, CONTESTANTS
contestants (40% officials with a unit) who each finished ATTEMPTS attempts of one weekly round (best of 5,
20 questions, prediction question), bulk-inserted (attempt rows only: the leaderboard never reads questions
or answers). The aggregates are then built the way `flask results compute` rebuilds them
(leaderboard.rebuild_round: every attempt read and picked by the domain's counting rule), and the reads a
page or the API makes are timed: boards (top, a deep page, within a commune, within a unit, contest-wide),
the participation tables, one contestant's own place, and the work each finished attempt adds.

Runs on a SQLite file, and also on PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a fresh
database is created next to it and dropped afterwards). Appends/replaces the "Leaderboards" section of
bench/RESULTS.md (other sections are left alone).

Usage:  .venv/bin/python bench/leaderboard_bench.py [--contestants 200000] [--attempts 5] [--no-write]
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import results_file  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Leaderboards"
OPENS = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # Monday 00:00 in Vietnam
QUESTIONS = 20


def _correct(rng: random.Random) -> int:
    """Answers circulate: about half of the attempts get everything right."""
    return max(0, QUESTIONS - int(rng.expovariate(0.7)))


def fill(db, contestants: int, attempts_each: int, rng: random.Random) -> dict:
    """Bulk-insert the contest, people, registrations and attempts; returns ids the timings use."""
    from sqlalchemy import insert, select

    from quizapp.models import Area, Attempt, Contest, OrganizingBody, Registration, Round, Track, Unit, User
    from quizapp.services.simulation import shared_password_hash

    contest = Contest(slug="bench", title="Benchmark", group_level="commune",
                      organizing_body=OrganizingBody(name="Ban Tổ chức (đo hiệu năng)"),
                      prize_config={"individual": {"first": 1, "second": 2, "third": 3, "consolation": 5},
                                    "collective": {"first": 1, "second": 1, "third": 1}})
    contest.tracks = [Track(code="officials", name="Cán bộ, công chức, viên chức", position=1),
                      Track(code="citizens", name="Người dân", position=2)]
    contest.rounds = [Round(number=1, name="Tuần 1", opens_at=OPENS, closes_at=OPENS + timedelta(weeks=1),
                            question_count=QUESTIONS, attempts_allowed=attempts_each, counting_rule="best",
                            prediction_mode="perfect_count", prediction_question="Bao nhiêu?")]
    db.session.add(contest)
    db.session.flush()
    root = Area(contest_id=contest.id, code="99", name="Tỉnh Thử Nghiệm", level="province")
    root.children = [Area(contest_id=contest.id, code=f"99{i:03d}", name=f"Xã Số {i}", level="commune",
                          population=rng.randint(3000, 30000)) for i in range(100)]
    contest.area_root = root
    db.session.flush()
    units = [Unit(contest_id=contest.id, code=f"U{i}", name=f"Đơn vị {i}", block="Khối sở" if i < 20 else "Khối xã",
                  staff_count=rng.randint(20, 300)) for i in range(60)]
    db.session.add_all(units)
    db.session.commit()
    communes = [a.id for a in root.children]
    officials, citizens = contest.tracks[0].id, contest.tracks[1].id
    unit_ids = [u.id for u in units]
    round_id = contest.rounds[0].id

    pw = shared_password_hash()
    batch = 10_000
    for start in range(0, contestants, batch):
        n = min(batch, contestants - start)
        db.session.execute(insert(User.__table__), [
            {"role": "contestant", "full_name": f"Thí Sinh {start + i}", "name_key": f"thi sinh {start + i}",
             "password_hash": pw, "is_active_account": True, "created_at": OPENS} for i in range(n)])
    user_ids = list(db.session.scalars(select(User.id).where(User.role == "contestant").order_by(User.id)))
    for start in range(0, contestants, batch):
        rows = []
        for uid in user_ids[start:start + batch]:
            official = rng.random() < 0.4
            rows.append({"contest_id": contest.id, "user_id": uid, "track_id": officials if official else citizens,
                         "area_id": rng.choice(communes), "unit_id": rng.choice(unit_ids) if official else None,
                         "category": "official" if official else "citizen", "status": "active",
                         "consented_at": OPENS, "created_at": OPENS, "registered_ip": "", "device_id": ""})
        db.session.execute(insert(Registration.__table__), rows)
    reg_ids = list(db.session.scalars(select(Registration.id).where(Registration.contest_id == contest.id)))
    db.session.commit()

    week = 7 * 24 * 3600 - 3600
    rows = []
    for reg_id in reg_ids:
        for number in range(1, attempts_each + 1):
            started = OPENS + timedelta(seconds=rng.uniform(0, week))
            correct, ms = _correct(rng), rng.randint(60_000, 1_200_000)
            rows.append({"round_id": round_id, "registration_id": reg_id, "number": number, "status": "submitted",
                         "started_at": started, "deadline_at": started + timedelta(minutes=20),
                         "submitted_at": started + timedelta(milliseconds=ms), "correct": correct, "total": QUESTIONS,
                         "score": round(100 * correct / QUESTIONS, 2), "duration_ms": ms,
                         "prediction": rng.randint(20_000, 120_000) if rng.random() < 0.97 else None,
                         "disqualified": False, "device_token": "", "client_ip": ""})
            if len(rows) >= 20_000:
                db.session.execute(insert(Attempt.__table__), rows)
                rows = []
    if rows:
        db.session.execute(insert(Attempt.__table__), rows)
    db.session.commit()
    return {"contest_id": contest.id, "round_id": round_id, "communes": communes, "units": unit_ids,
            "regs": reg_ids}


def timed(fn, runs: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds (one warm-up run first)."""
    fn(0)
    samples = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def measure(db, ids: dict, rng: random.Random, runs: int) -> list[tuple[str, float, float]]:
    from sqlalchemy import select

    from quizapp.models import Contest, Registration
    from quizapp.services import leaderboard

    contest = db.session.get(Contest, ids["contest_id"])
    rnd_id = ids["round_id"]
    now = contest.rounds[0].closes_at + timedelta(days=1)
    live = contest.rounds[0].opens_at + timedelta(days=3)
    sample = rng.sample(ids["regs"], runs + 1)
    users = dict(db.session.execute(select(Registration.id, Registration.user_id)
                                    .where(Registration.id.in_(sample))).all())

    def fresh(fn):
        def run(i):
            db.session.rollback()  # a request's own session: nothing cached between runs
            fn(i)
        return run

    cases = [
        ("board: top 50 of a track (round)", lambda i: leaderboard.board(contest, now, round_id=rnd_id,
                                                                          track_code="citizens")),
        ("board: top 50, live (prediction hidden)", lambda i: leaderboard.board(contest, live, round_id=rnd_id,
                                                                                 track_code="officials")),
        ("board: page 101 (places 5,001–5,050)", lambda i: leaderboard.board(contest, now, round_id=rnd_id,
                                                                             track_code="citizens", offset=5000)),
        ("board: within one commune", lambda i: leaderboard.board(
            contest, now, round_id=rnd_id, track_code="citizens", area_id=ids["communes"][i % 100])),
        ("board: within one unit", lambda i: leaderboard.board(
            contest, now, round_id=rnd_id, track_code="officials", unit_id=ids["units"][i % 60])),
        ("board: top 50 across the contest", lambda i: leaderboard.board(contest, now, track_code="citizens")),
        ("my standing: round (track, commune, unit)", lambda i: leaderboard.standing(
            contest, users[sample[i]], now, round_id=rnd_id)),
        ("my standing: across the contest", lambda i: leaderboard.standing(contest, users[sample[i]], now)),
        ("table: communes (round)", lambda i: leaderboard.area_table(contest, now, round_id=rnd_id)),
        ("table: units (round)", lambda i: leaderboard.unit_table(contest, now, round_id=rnd_id)),
        ("prediction answer (perfect count)", lambda i: leaderboard.prediction_actual(contest.rounds[0])),
    ]
    out = [(name, *timed(fresh(fn), runs)) for name, fn in cases]

    # The same reads with the shared cache of public aggregates on (3 s, the default): what most page views cost.
    from flask import current_app

    current_app.config["LEADERBOARD_CACHE_SECONDS"] = 3
    cached = [
        ("cached: board top 50 (page shared by everyone)", cases[0][1]),
        ("cached: my standing, round (own level counted afresh)", cases[6][1]),
        ("cached: table of communes", cases[8][1]),
        ("cached: table of units", cases[9][1]),
    ]
    out += [(name, *timed(fresh(fn), runs)) for name, fn in cached]
    current_app.config["LEADERBOARD_CACHE_SECONDS"] = 0

    def finish(i):  # what grading a submitted attempt adds: the contestant's aggregates, recomputed and committed
        leaderboard.refresh_entry(rnd_id, sample[i])
        db.session.commit()
    out.append(("per finished attempt: refresh aggregates + commit", *timed(finish, runs)))
    return out


def run_one(url: str, contestants: int, attempts_each: int, runs: int) -> dict:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db
    from quizapp.services import leaderboard

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "LEADERBOARD_CACHE_SECONDS": 0})  # cold reads unless a case turns the cache on
    rng = random.Random(1)
    with app.app_context():
        upgrade()
        t = time.perf_counter()
        ids = fill(db, contestants, attempts_each, rng)
        filled = time.perf_counter() - t
        t = time.perf_counter()
        changed = leaderboard.rebuild_round(ids["round_id"])
        db.session.commit()
        rebuilt = time.perf_counter() - t
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        timings = measure(db, ids, rng, runs)
        db.session.remove()
        db.engine.dispose()
    return {"filled": filled, "rebuilt": rebuilt, "entries": changed, "timings": timings}


def _pg_url() -> str | None:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def report(results: dict, contestants: int, attempts_each: int) -> str:
    engines = list(results)
    lines = [HEADING, "",
             f"`bench/leaderboard_bench.py`, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
             f"{os.cpu_count()} CPUs (shared with other work while measured), Python {platform.python_version()}.",
             f"{contestants:,} contestants × {attempts_each} finished attempts = {contestants * attempts_each:,} "
             "attempts in one round (40% officials in 60 units, everyone in one of 100 communes; about half the "
             "attempts perfect, so most of the top of a board ties on correct answers and is decided by the "
             "prediction and time). Times are per call through the service a page or the API uses, with a new "
             "session each time (median / 95th percentile, ms); \"cold\" rows read the database every time (the "
             "shared cache of public aggregates off), \"cached\" rows are what a view costs within the cache's "
             "3 seconds.", ""]
    lines.append("| | " + " | ".join(engines) + " |")
    lines.append("|---|" + "---|" * len(engines))
    lines.append("| fill (bulk insert) | " + " | ".join(f"{results[e]['filled']:.0f} s" for e in engines) + " |")
    lines.append("| build aggregates from every attempt (`rebuild_round`, as `results compute` does) | " +
                 " | ".join(f"{results[e]['rebuilt']:.0f} s ({results[e]['entries']:,} rows)" for e in engines) + " |")
    names = [name for name, *_ in results[engines[0]]["timings"]]
    for i, name in enumerate(names):
        cells = []
        for e in engines:
            _, med, p95 = results[e]["timings"][i]
            cells.append(f"{med:.1f} / {p95:.1f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["",
              "A board page is read off the board indexes, level by level of correct answers (predictions above and "
              "below the answer merged in the domain's order), so fetching the page does not grow with the round; "
              "what does grow is counting: the entries per level (for the total and for paging) and the prediction "
              "answer, each one pass over a track's or the round's index. Those counts, board pages and the tables "
              "(GROUP BY over the counted entries, one row per contestant, not per attempt) are public and kept "
              "3 seconds per worker; a contestant's own place is computed on each request (levels above theirs "
              "from those counts, their own level counted afresh) and never cached. Each finished attempt adds "
              "the last row's work to its grading transaction.", ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    results_file.write_section(HEADING, text, RESULTS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contestants", type=int, default=200_000)
    parser.add_argument("--attempts", type=int, default=5)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()

    results = {}
    tmp = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    results["SQLite"] = run_one(f"sqlite:///{tmp / 'bench.sqlite3'}", args.contestants, args.attempts, args.runs)
    print(f"SQLite done in {time.perf_counter() - t:.0f} s", flush=True)
    pg = None if args.sqlite_only else _pg_url()
    if pg:
        os.environ["TEST_DATABASE_URL"] = pg
        from tests import dbutil

        url = dbutil.create_pg_database("quizapp_bench")
        try:
            t = time.perf_counter()
            results["PostgreSQL"] = run_one(url, args.contestants, args.attempts, args.runs)
            print(f"PostgreSQL done in {time.perf_counter() - t:.0f} s", flush=True)
        finally:
            dbutil.drop_pg_database(url)
    text = report(results, args.contestants, args.attempts)
    print(text)
    if not args.no_write:
        write_section(text)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
