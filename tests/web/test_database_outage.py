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
from tests.journey import make_journey_contest
from tests.web.test_api import _registration

DB_DOWN = "Hệ thống đang tạm gián đoạn kết nối cơ sở dữ liệu"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
                      "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/none"
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
        self.target, self.port = target, _free_port()
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
