"""A database outage answers 503 with Retry-After and the Vietnamese page (JSON on /api/), and the app recovers.

New connections are refused (any database), the URL points at a dead port, or a TCP proxy in front of
PostgreSQL is cut while the pool holds connections through it (PostgreSQL only).
"""
from __future__ import annotations

import logging
import socket
import threading
from contextlib import contextmanager, suppress

import pytest
from sqlalchemy import event

from quizapp.extensions import db
from quizapp.models import utcnow
from tests.journey import make_journey_contest, person
from tests.net import free_port
from tests.web.test_api import _registration

DB_DOWN = "Hệ thống đang tạm gián đoạn kết nối cơ sở dữ liệu"



@pytest.fixture
def journey(app):
    with app.app_context():
        return make_journey_contest(utcnow())


# ---------------------------------------------------------------- the database going away


@contextmanager
def _database_refuses_connections(app):
    """New connections fail as when the database server is down; the pool's connections are dropped first."""
    with app.app_context():
        engine = db.engine
    dbapi = engine.dialect.loaded_dbapi

    def refuse(*_args, **_kwargs):
        raise dbapi.OperationalError("connection refused (test: the database is down)")

    engine.pool.dispose()
    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)


def _is_db_down_page(resp, json: bool) -> None:
    assert resp.status_code == 503, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert int(resp.headers["Retry-After"]) > 0
    body = resp.get_data(as_text=True)
    assert "Traceback" not in body and "OperationalError" not in body and "Internal Server Error" not in body
    if json:
        assert resp.get_json()["error"] == "database_unavailable"
        assert resp.get_json()["message"].startswith(DB_DOWN)
    else:
        assert resp.mimetype == "text/html" and DB_DOWN in body and 'lang="vi"' in body


def test_a_database_outage_is_a_vietnamese_503_and_the_app_recovers(app, client, journey, monkeypatch):
    from tests.journey import without_rate_limits

    without_rate_limits(monkeypatch)
    signed_in = app.test_client()
    assert signed_in.post(f"/api/v1/contests/{journey.slug}/register",
                          json=_registration(journey, 1)).status_code == 201
    with _database_refuses_connections(app):
        _is_db_down_page(client.get("/"), json=False)
        _is_db_down_page(client.get("/api/v1/contests"), json=True)
        _is_db_down_page(signed_in.get("/"), json=False)  # loading the signed-in user fails too
        _is_db_down_page(signed_in.post(f"/api/v1/rounds/{journey.round_id}/attempts"), json=True)
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["database"] == "unreachable"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/contests").status_code == 200
    started = signed_in.post(f"/api/v1/rounds/{journey.round_id}/attempts")
    assert started.status_code == 201  # still signed in, and the session works again
    assert client.get("/healthz").status_code == 200


def test_an_unreachable_database_from_the_start_is_a_503_page_not_a_stack_trace(tmp_path):
    from quizapp import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
                                                 "?connect_timeout=1"})
    http = app.test_client()
    _is_db_down_page(http.get("/"), json=False)
    _is_db_down_page(http.get("/cuoc-thi/khong-co"), json=False)
    _is_db_down_page(http.get("/api/v1/contests"), json=True)
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------- PostgreSQL behind a cut cable


class _Proxy:
    """A TCP proxy to PostgreSQL that can be cut (every connection through it dropped) and mended."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self.conns: list[socket.socket] = []
        self.server = None

    def start(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def _accept(self, server) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close() alone would not on Linux
        self.server.close()
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.conns.clear()


@pytest.mark.postgres
def test_postgresql_going_away_mid_session_gives_503_and_pooled_connections_heal(database_url, _migrated_app, journey):
    from sqlalchemy.engine import make_url

    from quizapp import create_app

    real = make_url(database_url)
    proxy = _Proxy((real.host or "127.0.0.1", real.port or 5432))
    proxy.start()
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": real.set(host="127.0.0.1", port=proxy.port)
                      .render_as_string(hide_password=False)})
    http = app.test_client()
    try:
        assert http.get("/").status_code == 200  # the pool now holds a connection through the proxy
        proxy.cut()
        for _ in range(5):
            _is_db_down_page(http.get("/"), json=False)
            _is_db_down_page(http.get("/api/v1/contests"), json=True)
        proxy.start()
        assert [http.get("/").status_code for _ in range(5)] == [200] * 5
        assert http.get("/api/v1/contests").status_code == 200
    finally:
        proxy.cut()
        with app.app_context():
            db.engine.dispose()


def test_a_database_outage_is_not_taken_for_a_redis_outage_by_the_rate_limiter(database_url, _migrated_app, journey,
                                                                              caplog):
    """Limits keyed by account load the user: that failing must be a 503, not "rate-limit storage unreachable"."""
    from quizapp import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "x", "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})
    signed_in = app.test_client()
    assert signed_in.post(f"/api/v1/contests/{journey.slug}/register",
                          json=_registration(journey, 1)).status_code == 201
    with caplog.at_level(logging.INFO), _database_refuses_connections(app):
        _is_db_down_page(signed_in.post(f"/api/v1/rounds/{journey.round_id}/attempts"), json=True)
        _is_db_down_page(signed_in.post(f"/cuoc-thi/{journey.slug}/dot/{journey.round_id}/bat-dau"), json=False)
    mistaken = [r.getMessage() for r in caplog.records if "storage unreachable" in r.getMessage()
                or "Redis unreachable" in r.getMessage()]
    assert mistaken == []
    assert signed_in.post(f"/api/v1/rounds/{journey.round_id}/attempts").status_code == 201
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------- a database that refuses writes

WRITE_REFUSED = "Máy chủ đang tạm thời không ghi được dữ liệu. Bài làm của bạn chưa bị mất"


def _alter_read_only(database_url: str, on: bool) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.dbutil import pg_admin_url

    name = make_url(database_url).database
    admin = create_engine(make_url(pg_admin_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        setting = "SET default_transaction_read_only = on" if on else "RESET default_transaction_read_only"
        conn.execute(text(f'ALTER DATABASE "{name}" {setting}'))
    admin.dispose()


@contextmanager
def _database_is_read_only(app, database_url):
    """SQLite: every connection reopened with `mode=ro` (chmod would not stop root); PostgreSQL: this test
    database set to `default_transaction_read_only` (only ours, by ALTER DATABASE), the pool reconnected."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        def read_only(_dialect, _rec, cargs, cparams):
            cargs[0] = f"file:{cargs[0]}?mode=ro"
            cparams["uri"] = True

        event.listen(engine, "do_connect", read_only)
        engine.pool.dispose()
        try:
            yield
        finally:
            event.remove(engine, "do_connect", read_only)
            engine.pool.dispose()
        return
    _alter_read_only(database_url, True)
    engine.pool.dispose()
    try:
        yield
    finally:
        _alter_read_only(database_url, False)
        engine.pool.dispose()


@contextmanager
def _disk_is_full(app):
    """Every INSERT/UPDATE/DELETE fails as the driver reports a full disk (SQLITE_FULL; PostgreSQL's 53100)."""
    with app.app_context():
        engine = db.engine

    def full(_conn, _cursor, statement, *_args):
        first = statement.split(None, 1)[0].upper()
        if first in ("INSERT", "UPDATE", "DELETE") or (first == "WITH" and "INSERT INTO" in statement):
            if engine.dialect.name == "sqlite":
                import sqlite3

                raise sqlite3.OperationalError("database or disk is full")
            import psycopg.errors

            raise psycopg.errors.DiskFull("could not extend file: No space left on device")

    event.listen(engine, "before_cursor_execute", full)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", full)


def _is_write_refused(resp, json: bool) -> None:
    assert resp.status_code == 503, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert int(resp.headers["Retry-After"]) > 0
    body = resp.get_data(as_text=True)
    for leak in ("Traceback", "OperationalError", "InternalError", "Internal Server Error", "readonly", "read-only",
                 "INSERT", "UPDATE"):
        assert leak not in body, body[:300]
    if json:
        assert resp.get_json()["error"] == "database_unavailable"
        assert resp.get_json()["message"].startswith(WRITE_REFUSED)
    else:
        assert resp.mimetype == "text/html" and WRITE_REFUSED in body and 'lang="vi"' in body


def _counts(app, phone: str, attempt_id: int):
    from sqlalchemy import func, select

    from quizapp.models import Answer, Attempt, Registration, User

    with app.app_context():
        users = db.session.scalar(select(func.count()).select_from(User).where(User.phone == phone))
        regs = db.session.scalar(select(func.count()).select_from(Registration).join(User).where(User.phone == phone))
        attempt = db.session.get(Attempt, attempt_id)
        answers = {a.attempt_question_id: a.option_id for a in db.session.scalars(
            select(Answer).where(Answer.attempt_id == attempt_id))}
        out = users, regs, attempt.status, attempt.correct, answers
        db.session.remove()
    return out


@pytest.mark.parametrize("fault", ["read_only", "disk_full"])
def test_a_database_that_refuses_writes_is_a_vietnamese_503_and_writes_nothing_partial(
        app, journey, database_url, monkeypatch, fault):
    from tests.journey import without_rate_limits

    without_rate_limits(monkeypatch)
    contestant = app.test_client()
    assert contestant.post(f"/api/v1/contests/{journey.slug}/register",
                           json=_registration(journey, 1)).status_code == 201
    started = contestant.post(f"/api/v1/rounds/{journey.round_id}/attempts").get_json()
    attempt_id, (q1, q2) = started["id"], [q["id"] for q in started["questions"][:2]]
    answer_url = f"/api/v1/attempts/{attempt_id}/answers"
    assert contestant.put(f"{answer_url}/{q1}", json={"option_id": 1, "seq": 1}).status_code == 200
    newcomer = _registration(journey, 2)
    before = _counts(app, newcomer["phone"], attempt_id)
    assert before[:3] == (0, 0, "in_progress")

    with _database_is_read_only(app, database_url) if fault == "read_only" else _disk_is_full(app):
        assert contestant.get(f"/api/v1/attempts/{attempt_id}").status_code == 200  # reading still works
        _is_write_refused(contestant.put(f"{answer_url}/{q1}", json={"option_id": 2, "seq": 2}), json=True)
        _is_write_refused(contestant.put(f"{answer_url}/{q2}", json={"option_id": 1, "seq": 3}), json=True)
        _is_write_refused(contestant.post(f"/api/v1/attempts/{attempt_id}/submit", json={"prediction": 1}), json=True)
        _is_write_refused(contestant.post(f"/bai-thi/{attempt_id}", data={f"q{q2}": "2", "prediction": "1",
                                                                            "submit": "1"}), json=False)
        visitor = app.test_client()
        _is_write_refused(visitor.post(f"/api/v1/contests/{journey.slug}/register", json=newcomer), json=True)
        form = person(3, area_id=str(journey.area_ids[0]))
        _is_write_refused(app.test_client().post(f"/cuoc-thi/{journey.slug}/dang-ky", data=form), json=False)

    assert _counts(app, newcomer["phone"], attempt_id) == before  # no user without its registration, no answer
    assert _counts(app, form["phone"], attempt_id)[:2] == (0, 0)
    # once writes work again, the same requests go through (attempt.js re-sends its queue by itself)
    assert contestant.put(f"{answer_url}/{q2}", json={"option_id": 1, "seq": 3}).status_code == 200
    assert visitor.post(f"/api/v1/contests/{journey.slug}/register", json=newcomer).status_code == 201
    result = contestant.post(f"/api/v1/attempts/{attempt_id}/submit", json={"prediction": 1})
    assert result.status_code == 200 and result.get_json()["status"] == "submitted"
    assert _counts(app, newcomer["phone"], attempt_id)[:3] == (1, 1, "submitted")
