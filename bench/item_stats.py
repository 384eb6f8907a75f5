"""Benchmark: item statistics of a province's weekly round (issue 10: item statistics after each round).

Fills a fresh database with one round of ATTEMPTS finished attempts (26,000 by default: one province's week),
each drawing QUESTIONS of a BANK-question set with four options, answered by simulated contestants of varying
ability (the stronger, the likelier right; a wrong answer falls on a random distractor) and a planted wrong key
on one question. Then times what the organiser's page and the download cost: `item_stats.for_round` (read
every answer of the round and compute) and the xlsx export, and checks that the planted question is flagged.

Usage:  .venv/bin/python bench/item_stats.py [--attempts 26000] [--questions 20] [--bank 400] [--no-write]
Runs on SQLite, and also on PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set.
Replaces the "Item statistics" section of bench/RESULTS.md.
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
from leaderboard_bench import _pg_url  # noqa: E402

HEADING = "## Item statistics"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
OPENS = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def fill(db, attempts: int, questions: int, bank: int, rng: random.Random) -> dict:
    from sqlalchemy import insert, select

    from quizapp.models import (
        Answer,
        Attempt,
        AttemptQuestion,
        Collection,
        Contest,
        OrganizingBody,
        Question,
        QuestionOption,
        Registration,
        Round,
        Topic,
        Track,
        User,
    )
    from quizapp.services.simulation import shared_password_hash

    contest = Contest(slug="bench-items", title="Benchmark", group_level="commune",
                      organizing_body=OrganizingBody(name="Ban Tổ chức (đo hiệu năng)"))
    contest.tracks = [Track(code="citizens", name="Người dân", position=1)]
    contest.rounds = [Round(number=1, name="Tuần 1", opens_at=OPENS, closes_at=OPENS + timedelta(weeks=1),
                            question_count=questions, attempts_allowed=1, counting_rule="best")]
    topic = Topic(slug="bench", title="Chủ đề đo hiệu năng",
                  collection=Collection(slug="bench", title="Bộ đo hiệu năng"))
    db.session.add_all([contest, topic])
    db.session.flush()
    db.session.execute(insert(Question.__table__), [
        {"topic_id": topic.id, "text": f"Câu hỏi số {i} về cải cách hành chính?", "search_text": "",
         "dedup_key": f"bench-{i}", "difficulty": 2, "status": "active", "version": 1, "created_at": OPENS}
        for i in range(bank)])
    qids = list(db.session.scalars(select(Question.id).where(Question.topic_id == topic.id).order_by(Question.id)))
    db.session.execute(insert(QuestionOption.__table__), [
        {"question_id": q, "position": p, "text": f"Phương án {p + 1}", "is_correct": p == 0}
        for q in qids for p in range(4)])
    options = {}
    for q, o, correct in db.session.execute(select(QuestionOption.question_id, QuestionOption.id,
                                                   QuestionOption.is_correct).order_by(QuestionOption.id)):
        options.setdefault(q, []).append((o, correct))
    planted = qids[0]  # bank says option 1; the strong choose option 2
    pw = shared_password_hash()
    db.session.execute(insert(User.__table__), [
        {"role": "contestant", "full_name": f"Thí Sinh {i}", "name_key": f"thi sinh {i}", "password_hash": pw,
         "is_active_account": True, "created_at": OPENS} for i in range(attempts)])
    users = list(db.session.scalars(select(User.id).where(User.role == "contestant").order_by(User.id)))
    db.session.execute(insert(Registration.__table__), [
        {"contest_id": contest.id, "user_id": u, "track_id": contest.tracks[0].id, "category": "citizen",
         "status": "active", "consented_at": OPENS, "created_at": OPENS, "registered_ip": "", "device_id": ""}
        for u in users])
    regs = list(db.session.scalars(select(Registration.id).where(Registration.contest_id == contest.id)
                                   .order_by(Registration.id)))
    rid = contest.rounds[0].id
    db.session.execute(insert(Attempt.__table__), [
        {"round_id": rid, "registration_id": r, "number": 1, "status": "submitted", "started_at": OPENS,
         "deadline_at": OPENS + timedelta(minutes=20), "submitted_at": OPENS + timedelta(minutes=10),
         "correct": 0, "total": questions, "score": 0, "duration_ms": 600_000, "disqualified": False,
         "device_token": "", "client_ip": ""} for r in regs])
    attempt_ids = list(db.session.scalars(select(Attempt.id).where(Attempt.round_id == rid).order_by(Attempt.id)))
    db.session.commit()

    ability = {a: rng.random() for a in attempt_ids}
    shown, chosen = [], []
    next_id = (db.session.scalar(select(AttemptQuestion.id).order_by(AttemptQuestion.id.desc()).limit(1)) or 0) + 1
    for a in attempt_ids:
        for pos, q in enumerate(rng.sample(qids, questions), 1):
            opts = options[q]
            shown.append({"id": next_id, "attempt_id": a, "question_id": q, "position": pos,
                          "option_order": [o for o, _ in opts]})
            if rng.random() < 0.03:
                pass  # left empty
            else:
                p_right = 0.25 + 0.7 * ability[a]
                if q == planted:
                    pick = opts[1][0] if rng.random() < p_right else rng.choice([opts[0][0], opts[2][0], opts[3][0]])
                else:
                    pick = opts[0][0] if rng.random() < p_right else rng.choice([o for o, _ in opts[1:]])
                chosen.append({"attempt_id": a, "attempt_question_id": next_id, "option_id": pick,
                               "answered_at": OPENS, "client_seq": 0})
            next_id += 1
        if len(shown) >= 50_000:
            db.session.execute(insert(AttemptQuestion.__table__), shown)
            db.session.execute(insert(Answer.__table__), chosen)
            shown, chosen = [], []
    if shown:
        db.session.execute(insert(AttemptQuestion.__table__), shown)
        db.session.execute(insert(Answer.__table__), chosen)
    db.session.commit()
    return {"round_id": rid, "planted": planted}


def write_section(text: str) -> None:
    results_file.write_section(HEADING, text, RESULTS)


def run_one(url: str, attempts: int, questions: int, bank: int, runs: int) -> dict:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db
    from quizapp.models import Round
    from quizapp.services import item_stats

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        t = time.perf_counter()
        ids = fill(db, attempts, questions, bank, random.Random(3))
        filled = time.perf_counter() - t
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        page, xlsx, found, data = [], [], None, b""
        for _ in range(runs):
            db.session.rollback()
            rnd = db.session.get(Round, ids["round_id"])
            t = time.perf_counter()
            found = item_stats.for_round(rnd)
            page.append(time.perf_counter() - t)
            t = time.perf_counter()
            data, _ = item_stats.export(found, "xlsx")
            xlsx.append(time.perf_counter() - t)
        top = found.rows[0]
        ok = top.question_id == ids["planted"] and "key_suspect" in top.stat.flags
        db.session.remove()
        db.engine.dispose()
    return {"filled": filled, "page": statistics.median(page), "page_max": max(page),
            "xlsx": statistics.median(xlsx), "size": len(data), "flagged": found.summary.flagged,
            "serious": found.summary.serious, "planted_first": ok, "answers": found.summary.attempts * questions}


def report(results: dict, attempts: int, questions: int, bank: int, runs: int) -> str:
    lines = [HEADING, "",
             f"`bench/item_stats.py`, {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} CPUs "
             f"(shared with other work while measured), Python {platform.python_version()}. One round of "
             f"{attempts:,} finished attempts × {questions} questions drawn from {bank} (≈{attempts * questions:,} "
             f"questions shown, 3% left empty), one planted wrong key. Median of {runs} runs, a fresh session each.",
             "", "| | " + " | ".join(results) + " |", "|---|" + "---|" * len(results)]
    rows = [("fill (bulk insert)", lambda r: f"{r['filled']:.0f} s"),
            ("page: read every answer and compute (`item_stats.for_round`)",
             lambda r: f"{r['page']:.2f} s (max {r['page_max']:.2f} s)"),
            ("download: xlsx of the same figures", lambda r: f"{r['xlsx']:.2f} s, {r['size'] / 1024:.0f} KiB"),
            ("questions flagged (of which serious)", lambda r: f"{r['flagged']} ({r['serious']})"),
            ("planted wrong key listed first and flagged", lambda r: "yes" if r["planted_first"] else "NO")]
    for name, cell in rows:
        lines.append(f"| {name} | " + " | ".join(cell(r) for r in results.values()) + " |")
    lines += ["", "The figures are computed on each request (no stored copy to go stale while late attempts "
              "are graded or entries disqualified); the page is for organisers after a round, not for the crowd.",
              ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=26_000)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--bank", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    results = {}
    tmp = Path(tempfile.mkdtemp())
    results["SQLite"] = run_one(f"sqlite:///{tmp / 'bench.sqlite3'}", args.attempts, args.questions, args.bank,
                                args.runs)
    pg = None if args.sqlite_only else _pg_url()
    if pg:
        os.environ["TEST_DATABASE_URL"] = pg
        from tests import dbutil

        url = dbutil.create_pg_database("quizapp_bench_items")
        try:
            results["PostgreSQL"] = run_one(url, args.attempts, args.questions, args.bank, args.runs)
        finally:
            dbutil.drop_pg_database(url)
    text = report(results, args.attempts, args.questions, args.bank, args.runs)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
