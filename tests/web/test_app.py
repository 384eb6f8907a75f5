"""The app factory, configuration, home page and health check."""
import re

import pytest

from quizapp import create_app
from tests import dbutil


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from quizapp.config import from_env

    first = from_env(tmp_path)["SECRET_KEY"]
    second = from_env(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first
    other = from_env(tmp_path / "other")["SECRET_KEY"]
    assert other != first  # never a constant in the code


def test_config_reads_environment_when_app_is_created(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/x.sqlite3")
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/5"


def test_postgres_urls_use_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    from quizapp.config import from_env

    assert from_env(tmp_path)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_default_database_is_sqlite_in_instance_with_wal(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from quizapp.config import from_env

    url = from_env(tmp_path)["SQLALCHEMY_DATABASE_URI"]
    assert url == f"sqlite:///{tmp_path / 'quizapp.sqlite3'}"


@pytest.mark.skipif(bool(dbutil.pg_admin_url()), reason="SQLite's pragmas: the tests run on PostgreSQL "
                                                         "(TEST_DATABASE_URL), which has none")
def test_sqlite_connections_use_wal_and_foreign_keys(app):
    from quizapp.extensions import db

    with app.app_context():
        assert db.engine.dialect.name == "sqlite"
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_healthz_checks_the_database(app, client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    expected = {"status": "ok", "database": "ok"}
    if not app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        expected["redis"] = "ok"  # REDIS_URL set: its state is reported too (tests/web/test_redis_outage.py)
    assert resp.get_json() == expected


def test_healthz_is_503_when_database_is_unreachable(tmp_path):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        "SECRET_KEY": "x",
    })
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json()["database"] == "unreachable"


def test_home_without_contest_says_so_in_vietnamese(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert "Chưa có cuộc thi nào" in resp.get_data(as_text=True)


def test_unknown_page_is_a_vietnamese_404(client):
    resp = client.get("/khong-co-trang-nay")
    assert resp.status_code == 404
    assert "Không tìm thấy trang" in resp.get_data(as_text=True)


def test_pages_load_nothing_from_other_sites(client, seeded):
    html = client.get("/").get_data(as_text=True)
    assert 'name="viewport"' in html and "width=device-width" in html
    external = re.findall(r'(?:src|href)="(https?:)?//[^"]+"', html)
    assert external == []
    assert "/static/css/app.css" in html
