"""Throwaway databases for a run: PostgreSQL next to BENCH_DATABASE_URL / TEST_DATABASE_URL, or a temp SQLite file;
`flask db upgrade` + `flask demo seed` of the code served; bulk contestants; signed-in sessions; integrity checks."""
from __future__ import annotations

import io
import json
import os
import random
import subprocess
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from .common import DEMO_SLUG, HOST, PASSWORD, ROOT, SECRET_KEY, USER_AGENT, check_local, log

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def admin_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_ADMIN_URL


def _sa_url(url: str) -> str:
    """SQLAlchemy URL with the psycopg driver for a libpq URL; SQLite URLs unchanged."""
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith(("postgresql://", "postgres://")) else url


@dataclass
class BenchDB:
    kind: str  # "postgresql" | "sqlite"
    url: str  # what the app gets as DATABASE_URL
    name: str  # database name, or the SQLite file
    _engine: sa.Engine | None = None

    @property
    def sa_url(self) -> str:
        return _sa_url(self.url)

    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(self.sa_url, **({"isolation_level": "AUTOCOMMIT"}
                                                             if self.kind == "postgresql" else {}))
        return self._engine

    def drop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(self.name + suffix).unlink(missing_ok=True)
            return
        admin = sa.create_engine(_sa_url(admin_url()), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()


def create(kind: str) -> BenchDB:
    """A fresh empty database: `quizapp_bench_<random>` next to the admin URL, or a temp SQLite file."""
    if kind == "sqlite":
        fd, path = tempfile.mkstemp(prefix="quizapp_bench_", suffix=".sqlite3")
        os.close(fd)
        os.unlink(path)
        return BenchDB("sqlite", f"sqlite:///{path}", path)
    check_local(admin_url())
    name = f"quizapp_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(_sa_url(admin_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base = admin_url().rsplit("/", 1)[0]
    return BenchDB("postgresql", f"{base}/{name}", name)


def app_env(bdb: BenchDB, redis_url: str, limits: bool = True, extra: dict | None = None) -> dict:
    """The environment the app runs in: this database, Redis, rate limits on unless told, a fixed SECRET_KEY."""
    env = dict(os.environ)
    env.update(DATABASE_URL=bdb.url, REDIS_URL=redis_url, RATELIMIT_ENABLED="1" if limits else "0",
               SECRET_KEY=SECRET_KEY, FLASK_APP="wsgi:app", PYTHONUNBUFFERED="1")
    env.pop("TRUSTED_PROXIES", None)
    env.update(extra or {})
    return env


def run_flask(app_dir: Path, args: list[str], env: dict, timeout: float = 180) -> str:
    out = subprocess.run([str(ROOT / ".venv/bin/flask"), *args], cwd=app_dir, env=env, capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def upgrade_and_seed(bdb: BenchDB, app_dir: Path, env: dict) -> None:
    run_flask(app_dir, ["db", "upgrade"], env)
    out = run_flask(app_dir, ["demo", "seed"], env)
    log(f"{bdb.kind} {bdb.name}: flask db upgrade; flask demo seed: " + (out.strip().splitlines() or [""])[0][:90])


def in_process_app(bdb: BenchDB):
    """The served code's app in this process (sys.path points at --app-dir), rate limits off."""
    from quizapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": bdb.sa_url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False})


def app_password_hash() -> str:
    """The password hash the served code's own User.set_password produces (scrypt today, argon2id later)."""
    from quizapp.models import User

    user = User()
    user.set_password(PASSWORD)
    return user.password_hash


# ------------------------------------------------------------------------------------------------ contestants

MOBILE_PREFIXES = ("032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079",
                   "081", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096", "097", "098")
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Lò", "Giàng", "Vàng", "Lù")
MIDDLE = {"nam": ("Văn", "Đức", "Minh", "Quốc", "Thành", "Hữu"), "nu": ("Thị", "Thu", "Ngọc", "Thanh", "Hồng")}
GIVEN = {"nam": ("Anh", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Long", "Nam", "Sơn", "Tuấn", "Chứ", "Páo"),
         "nu": ("Hà", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Phương", "Thảo", "Trang", "Mỷ", "Sua")}
CCCD_PROVINCES = ("010", "015", "010", "010", "015", "001", "038", "025")  # mostly Lào Cai / Yên Bái births


@dataclass
class Seeded:
    contest_id: int
    round_id: int
    round_name: str
    question_count: int
    bank_size: int
    identifiers: list[str] = field(default_factory=list)  # sign-in names, in insertion order
    user_ids: list[int] = field(default_factory=list)  # same order
    reg_ids: list[int] = field(default_factory=list)


def _dt(value) -> datetime | None:
    """A timestamp from either database (SQLite gives naive strings) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _text(v) -> str:
    """One value in COPY text format (PostgreSQL)."""
    if v is None:
        return r"\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    return v.isoformat() if isinstance(v, date | datetime) else str(v)


def _sqlite(v):
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return v.isoformat() if isinstance(v, date) else v


def _required_extras(conn, kind: str, table: str, supplied: list[str]) -> dict:
    """NOT NULL columns without a default that the insert does not supply (the schema grows while others work on
    it), each with a neutral value, so the bulk insert keeps working."""
    if kind == "postgresql":
        rows = conn.execute(sa.text("SELECT column_name, data_type FROM information_schema.columns WHERE "
                                    "table_name = :t AND is_nullable = 'NO' AND column_default IS NULL"), {"t": table})
    else:
        rows = [(r[1], r[2].lower()) for r in conn.execute(sa.text(f'PRAGMA table_info("{table}")'))
                if r[3] and r[4] is None and not r[5]]
    now = datetime.now(UTC)
    out = {}
    for name, dtype in rows:
        if name in supplied or name == "id":
            continue
        dtype = dtype.lower()
        numeric = "int" in dtype or dtype in ("double precision", "real", "numeric")
        out[name] = (False if "bool" in dtype else 0 if numeric
                     else "{}" if "json" in dtype else now if "timestamp" in dtype or "datetime" in dtype
                     else now.date() if dtype == "date" else "")
    return out


def _bulk_insert(bdb: BenchDB, table: str, cols: list[str], rows: list[tuple]) -> None:
    with bdb.engine().connect() as conn:
        extras = _required_extras(conn, bdb.kind, table, cols)
    cols = cols + list(extras)
    rows = [(*r, *extras.values()) for r in rows]
    raw = bdb.engine().raw_connection()
    try:
        cur = raw.cursor()
        if bdb.kind == "postgresql":
            buf = io.StringIO()
            for r in rows:
                buf.write("\t".join(_text(v) for v in r) + "\n")
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                copy.write(buf.getvalue())
        else:
            cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                            [tuple(_sqlite(v) for v in r) for r in rows])
        raw.commit()
    finally:
        raw.close()


def open_round(bdb: BenchDB) -> Seeded:
    """The demo contest's weekly round open now (the demo seed opens one)."""
    now = datetime.now(UTC)
    with bdb.engine().connect() as conn:
        contest_id = conn.execute(sa.text("SELECT id FROM contest WHERE slug = :s"), {"s": DEMO_SLUG}).scalar_one()
        rounds = conn.execute(sa.text("SELECT id, name, question_count, opens_at, closes_at FROM round "
                                      "WHERE contest_id = :c AND kind = 'weekly' ORDER BY number"), {"c": contest_id})
        rows = [r for r in rounds if _dt(r[3]) <= now < _dt(r[4])]
        if not rows:
            raise RuntimeError("no weekly round of the demo contest is open now")
        bank = conn.execute(sa.text("SELECT count(*) FROM question WHERE status = 'active'")).scalar_one()
    return Seeded(contest_id, rows[0][0], rows[0][1], rows[0][2], bank)


def seed_contestants(bdb: BenchDB, n: int, password_hash: str, rng: random.Random) -> Seeded:
    """Bulk-insert n contestants registered in the demo contest (COPY on PostgreSQL), all with `password_hash`."""
    from quizapp.domain.identity import CENTURY_DIGITS, name_key, normalize_cccd, normalize_phone

    seeded = open_round(bdb)
    with bdb.engine().connect() as conn:
        root_id = conn.execute(sa.text("SELECT area_root_id FROM contest WHERE id = :c"),
                               {"c": seeded.contest_id}).scalar_one()
        tracks = dict(conn.execute(sa.text("SELECT code, id FROM track WHERE contest_id = :c"),
                                   {"c": seeded.contest_id}).all())
        communes = list(conn.execute(sa.text(
            "WITH RECURSIVE t AS (SELECT id, level FROM area WHERE parent_id = :r UNION ALL "
            "SELECT a.id, a.level FROM area a JOIN t ON a.parent_id = t.id) SELECT id FROM t WHERE level = 'commune'"),
            {"r": root_id}).scalars())
        units = list(conn.execute(sa.text("SELECT id FROM unit WHERE contest_id = :c"),
                                  {"c": seeded.contest_id}).scalars())
        taken = {v for row in conn.execute(sa.text("SELECT cccd, phone FROM user_account")) for v in row if v}
    now = datetime.now(UTC)
    users, k = [], 0
    while len(users) < n:
        k += 1
        gender = rng.choice(("nam", "nu"))
        born = date(rng.randint(1962, 2006), rng.randint(1, 12), rng.randint(1, 28))
        digit = CENTURY_DIGITS[born.year // 100 * 100] + (gender == "nu")
        cccd = normalize_cccd(f"{rng.choice(CCCD_PROVINCES)}{digit}{born.year % 100:02d}{k:06d}")
        phone = normalize_phone(f"{MOBILE_PREFIXES[k % len(MOBILE_PREFIXES)]}{k:07d}")
        if cccd in taken or phone in taken:
            continue
        taken.update((cccd, phone))
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
        users.append(("contestant", name, name_key(name), phone, cccd, born, gender, password_hash, True, now))
        seeded.identifiers.append(cccd if len(users) % 2 else phone)  # sign in by CCCD or by phone, half each
    _bulk_insert(bdb, "user_account", ["role", "full_name", "name_key", "phone", "cccd", "birth_date", "gender",
                                       "password_hash", "is_active_account", "created_at"], users)
    cccds = [u[4] for u in users]
    with bdb.engine().connect() as conn:
        ids = dict(conn.execute(sa.text("SELECT cccd, id FROM user_account WHERE cccd IN :c").bindparams(
            sa.bindparam("c", expanding=True)), {"c": cccds}).all())
    seeded.user_ids = [ids[c] for c in cccds]
    regs = []
    for uid in seeded.user_ids:
        official = bool(units) and rng.random() < 0.6
        regs.append((seeded.contest_id, uid, tracks["officials" if official else "citizens"], rng.choice(communes),
                     rng.choice(units) if official else None, "official" if official else "citizen", "active", now,
                     now, HOST, ""))
    _bulk_insert(bdb, "registration", ["contest_id", "user_id", "track_id", "area_id", "unit_id", "category", "status",
                                       "consented_at", "created_at", "registered_ip", "device_id"], regs)
    with bdb.engine().connect() as conn:
        seeded.reg_ids = sorted(conn.execute(sa.text(
            "SELECT id FROM registration WHERE contest_id = :c AND user_id IN :u").bindparams(
            sa.bindparam("u", expanding=True)), {"c": seeded.contest_id, "u": seeded.user_ids}).scalars())
        conn.execute(sa.text("ANALYZE"))
    return seeded


def mint_sessions(bdb: BenchDB, user_ids: list[int]) -> list[tuple[dict, str]]:
    """(cookies, CSRF token) of a signed-in session for each user, made by the served code's own login_user and
    session interface exactly as POST /api/v1/login makes them, without paying a password check per contestant
    (signin.py measures real sign-ins). Valid for the gunicorn server: same SECRET_KEY, address and User-Agent."""
    import flask
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from quizapp.extensions import db
    from quizapp.models import User

    app = in_process_app(bdb)
    out = []
    with app.app_context():
        users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))}
        for uid in user_ids:
            with app.app_context(), app.test_request_context(  # a fresh `g`: Flask-WTF caches the token there
                    "/api/v1/login", method="POST", headers={"User-Agent": USER_AGENT},
                    environ_base={"REMOTE_ADDR": HOST}):
                login_user(users[uid])
                token = generate_csrf()
                resp = app.response_class()
                app.session_interface.save_session(app, flask.session, resp)
                cookies = {}
                for h in resp.headers.getlist("Set-Cookie"):
                    k, _, v = h.split(";", 1)[0].partition("=")
                    cookies[k.strip()] = v.strip()
                out.append((cookies, token))
        db.session.remove()
        db.engine.dispose()
    return out


# ------------------------------------------------------------------------------------------------ integrity


def verify_attempts(bdb: BenchDB, seeded: Seeded, contestants: list) -> dict:
    """Integrity after whole attempts, over the benchmark's registrations (round_open.py's checks): every figure but
    contestants_driven / attempts / answers must be 0. `contestants`: client.Contestant objects."""
    def mine(a: str = "") -> str:
        p = f"{a}." if a else ""
        return f"{p}round_id = :r AND {p}registration_id IN :regs"

    q = {
        "attempts_not_submitted": f"SELECT count(*) FROM attempt WHERE {mine()} AND status <> 'submitted'",
        "attempts_without_all_questions": f"SELECT count(*) FROM attempt a WHERE {mine('a')} AND "
                                          "(SELECT count(*) FROM attempt_question x WHERE x.attempt_id = a.id) <> :n",
        "attempts_without_all_answers": f"SELECT count(*) FROM attempt a WHERE {mine('a')} AND "
                                        "(SELECT count(*) FROM answer x WHERE x.attempt_id = a.id) <> :n",
        "answers_with_foreign_option":
            "SELECT count(*) FROM answer x JOIN attempt a ON a.id = x.attempt_id "
            "JOIN attempt_question aq ON aq.id = x.attempt_question_id JOIN question_option o ON o.id = x.option_id "
            f"WHERE {mine('a')} AND (o.question_id <> aq.question_id OR aq.attempt_id <> x.attempt_id)",
        "grade_not_matching_stored_answers":
            f"SELECT count(*) FROM attempt a WHERE {mine('a')} AND (a.total <> :n OR a.correct IS DISTINCT FROM "
            "(SELECT count(*) FROM answer x JOIN question_option o ON o.id = x.option_id "
            "WHERE x.attempt_id = a.id AND o.is_correct))",
        "submitted_without_time": f"SELECT count(*) FROM attempt WHERE {mine()} AND status = 'submitted' "
                                  "AND (submitted_at IS NULL OR duration_ms IS NULL)",
    }
    n = seeded.question_count
    params = {"r": seeded.round_id, "n": n, "regs": seeded.reg_ids}

    def run(sql: str):
        return conn.execute(sa.text(sql).bindparams(sa.bindparam("regs", expanding=True)), params)

    driven = {vc.identifier: vc for vc in contestants if vc.tried}
    out = {"contestants_driven": len(driven)}
    with bdb.engine().connect() as conn:
        per_person = run("SELECT u.phone, u.cccd, count(a.id) FROM registration r JOIN user_account u ON u.id = "
                         "r.user_id LEFT JOIN attempt a ON a.registration_id = r.id AND a.round_id = :r "
                         "WHERE r.id IN :regs GROUP BY r.id, u.phone, u.cccd").all()
        out["attempts"] = run(f"SELECT count(*) FROM attempt WHERE {mine()}").scalar_one()
        out["answers"] = run(f"SELECT count(*) FROM answer x JOIN attempt a ON a.id = x.attempt_id "
                             f"WHERE {mine('a')}").scalar_one()
        out["contestants_without_exactly_one_attempt"] = sum(
            1 for phone, cccd, count in per_person if count != (1 if (phone in driven or cccd in driven) else 0))
        for k, sql in q.items():
            out[k] = run(sql).scalar_one()
        attempts = {r[0]: r for r in run(f"SELECT id, status, correct, submitted_at FROM attempt WHERE {mine()}")}
        stored = defaultdict(dict)
        # The client sees an option as its number on screen (1..n in the attempt's frozen order), never a bank id.
        for aid, aqid, oid, order in run(
                "SELECT x.attempt_id, x.attempt_question_id, x.option_id, q.option_order FROM answer x "
                f"JOIN attempt_question q ON q.id = x.attempt_question_id JOIN attempt a ON a.id = x.attempt_id "
                f"WHERE {mine('a')}"):
            order = json.loads(order) if isinstance(order, str) else order
            stored[aid][aqid] = order.index(oid) + 1 if oid in order else None
    changed = lost = dup_start = dup_submit = unanswered = 0
    for vc in driven.values():
        if vc.attempt_id is None or vc.submit is None:
            unanswered += 1
            continue
        if vc.dup_attempt_id is not None and vc.dup_attempt_id != vc.attempt_id:
            dup_start += 1
        row = attempts.get(vc.attempt_id)
        if (row is None or _dt(row[3]) != _dt(vc.submit.get("submitted_at")) or row[2] != vc.submit.get("correct")
                or vc.submit["status"] != "submitted"):
            changed += 1
        if vc.dup_submit and (vc.dup_submit.get("submitted_at"), vc.dup_submit.get("correct")) != (
                vc.submit.get("submitted_at"), vc.submit.get("correct")):
            dup_submit += 1
        lost += sum(1 for aq, oid in vc.answers.items() if stored[vc.attempt_id].get(aq) != oid)
    out["contestants_whose_start_or_submit_failed"] = unanswered
    out["saved_answers_not_as_stored"] = lost
    out["result_changed_after_first_submit"] = changed
    out["double_click_start_got_other_attempt"] = dup_start
    out["double_click_submit_got_other_result"] = dup_submit
    counts = ("contestants_driven", "attempts", "answers")
    out["ok"] = (all(v == 0 for k, v in out.items() if k not in counts) and out["attempts"] == len(driven)
                 and out["answers"] == len(driven) * n)
    return out


def stored_answers(bdb: BenchDB, attempt_ids: list[int]) -> dict[tuple[int, int], int]:
    """(attempt id, attempt question id) -> option number on screen, of what the database holds."""
    out = {}
    with bdb.engine().connect() as conn:
        for aid, aqid, oid, order in conn.execute(sa.text(
                "SELECT x.attempt_id, x.attempt_question_id, x.option_id, q.option_order FROM answer x "
                "JOIN attempt_question q ON q.id = x.attempt_question_id WHERE x.attempt_id IN :a").bindparams(
                sa.bindparam("a", expanding=True)), {"a": attempt_ids}):
            order = json.loads(order) if isinstance(order, str) else order
            out[(aid, aqid)] = order.index(oid) + 1 if oid in order else None
    return out


def pg_settings(bdb: BenchDB) -> str:
    if bdb.kind != "postgresql":
        return "SQLite (WAL, the app's busy timeout)"
    try:
        with bdb.engine().connect() as conn:
            v, mc, sc = (conn.execute(sa.text(f"SHOW {k}")).scalar_one()
                         for k in ("server_version", "max_connections", "synchronous_commit"))
        return f"PostgreSQL {v.split()[0]} (max_connections {mc}, synchronous_commit {sc})"
    except Exception:  # noqa: BLE001 - descriptive only
        return "PostgreSQL"


def pg_backend_pids(bdb: BenchDB) -> set[int]:
    """The bench database's backends and PostgreSQL's own background processes (WAL writer, checkpointer...)."""
    if bdb.kind != "postgresql":
        return set()
    try:
        with bdb.engine().connect() as conn:
            return set(conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :d OR "
                                            "backend_type <> 'client backend'"), {"d": bdb.name}).scalars())
    except Exception:  # noqa: BLE001 - accounting only
        return set()


def leaderboard_drift(bdb: BenchDB, round_id: int) -> int | None:
    """If the served code keeps leaderboard aggregates incrementally (services/leaderboard.rebuild_round): how many
    rows a full recomputation would change after the run (0: concurrent submits kept them exact). Rolled back."""
    try:
        from quizapp.services import leaderboard
    except ImportError:
        return None
    if not hasattr(leaderboard, "rebuild_round"):
        return None
    from quizapp.extensions import db

    app = in_process_app(bdb)
    with app.app_context():
        try:
            return leaderboard.rebuild_round(round_id)
        finally:
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()


BANK_WORDS = [
    "cải", "cách", "hành", "chính", "nhà", "nước", "thủ", "tục", "một", "cửa", "liên", "thông", "công", "vụ",
    "công", "chức", "viên", "chức", "tài", "chính", "công", "chính", "phủ", "số", "dịch", "vụ", "công",
    "trực", "tuyến", "nghị", "quyết", "chỉ", "thị", "mục", "tiêu", "giai", "đoạn", "người", "dân", "doanh",
    "nghiệp",
]


def grow_bank(bdb: BenchDB, extra: int, rng: random.Random) -> int:
    """Add `extra` active questions (4 options, one correct) over the demo topics, as a provincial or national bank
    would have (PostgreSQL); returns the number of active questions now."""
    now = datetime.now(UTC)
    with bdb.engine().connect() as conn:
        topics = conn.execute(sa.text("SELECT id FROM topic ORDER BY id")).scalars().all()
    rows = []
    for i in range(extra):
        text = " ".join(rng.choice(BANK_WORDS) for _ in range(rng.randint(14, 28))).capitalize() + f" (câu {i})?"
        rows.append((rng.choice(topics), 1, text, text.lower(), f"{rng.getrandbits(128):032x}", rng.randint(1, 3),
                     "Giải thích.", "Nghị quyết 76/NQ-CP", "", f"bench-{i}", "active", now))
    _bulk_insert(bdb, "question", ["topic_id", "version", "text", "search_text", "dedup_key", "difficulty",
                                   "explanation", "source", "evidence", "external_id", "status", "created_at"], rows)
    with bdb.engine().connect() as conn:
        conn.execute(sa.text("INSERT INTO question_option (question_id, position, text, is_correct) "
                             "SELECT q.id, p.n, 'Phương án ' || p.n || ' của câu ' || q.id, p.n = 1 + q.id % 4 "
                             "FROM question q CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 "
                             "UNION ALL SELECT 4) p WHERE q.external_id LIKE 'bench-%'"))
        if bdb.kind == "sqlite":
            conn.commit()
        conn.execute(sa.text("ANALYZE"))
        return conn.execute(sa.text("SELECT count(*) FROM question WHERE status = 'active'")).scalar_one()
