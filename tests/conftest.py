"""Fixtures: an app on a migrated database (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""
from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from tests import dbutil

IS_PG = bool(dbutil.pg_admin_url())

# Property tests (test_props_*.py): the same examples on every run, so CI is deterministic and a failure seen once
# is seen again (no example database is written); no deadline, as a shared 2-core CI machine is slow at times.
# HYPOTHESIS_PROFILE=thorough tries ten times as many examples, for a search by hand before a release.
settings.register_profile("quizapp", max_examples=100, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("thorough", settings.get_profile("quizapp"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quizapp"))


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` (row locks, parallel requests) need PostgreSQL: skipped, with the reason, on SQLite."""
    if IS_PG:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (SQLite has no row locks and "
                                   "serialises writers, so parallel requests prove nothing there)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _limiter_state():
    """Flask-Limiter keeps its settings on the one shared `limiter`; an app made by a test must not leak them."""
    from quizapp.extensions import limiter

    saved = dict(limiter.__dict__)
    yield
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if IS_PG:
        url = dbutil.create_pg_database()
        yield url
        dbutil.drop_pg_database(url)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _migrated_app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    from quizapp import create_app

    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": "localhost",
    })
    with app.app_context():
        upgrade()
    return app


def _truncate(app) -> None:
    from quizapp.extensions import db

    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                with conn.begin():
                    conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
                return
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, or SQLite ignores it
            conn.commit()
            for t in tables:
                conn.execute(sa.text(f'DELETE FROM "{t}"'))
            conn.commit()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


@pytest.fixture
def app(_migrated_app):
    """The app on an empty, migrated database (emptied again after each test)."""
    yield _migrated_app
    from quizapp.extensions import db
    from quizapp.services import attempts

    attempts._candidates.clear()  # ids restart after truncation; production ids never repeat

    with _migrated_app.app_context():
        db.session.remove()
    _truncate(_migrated_app)


@pytest.fixture
def db_session(app):
    """The app context and session, for service tests."""
    from quizapp.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def now():
    """A fixed clock: Wednesday 18/11/2026 10:00 in Vietnam."""
    return datetime(2026, 11, 18, 3, 0, tzinfo=UTC)


@pytest.fixture
def seeded(app, now, tmp_path):
    """The demo contest, seeded as `flask demo seed` does, with the clock at `now`."""
    from quizapp.services import demo

    with app.app_context():
        report = demo.seed_demo(now, tmp_path)
    return report


@pytest.fixture
def login(client):
    """Sign a user in through the real sign-in form: login(user_or_identifier, password='matkhau123')."""

    def _login(who, password="matkhau123"):
        identifier = who if isinstance(who, str) else (who.username or who.phone)
        resp = client.post("/dang-nhap", data={"identifier": identifier, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return resp

    return _login


@pytest.fixture
def organizer(app):
    """Sign-in name of an organiser of every contest that exists when the fixture runs (list it after them)."""
    from quizapp.extensions import db
    from quizapp.models import Contest
    from tests.factories import make_staff

    with app.app_context():
        make_staff("btc", "organizer", list(db.session.scalars(db.select(Contest))))
    return "btc"
