"""Fixtures: an app on a migrated database (SQLite by default, PostgreSQL with TEST_DATABASE_URL).

One app and one database serve the whole session; the database is emptied after each test. The demo contest
(`seeded`) is seeded once per session and clock, kept as a template database, and copied into the session
database for each test that asks for it (a copy takes a fraction of a second, seeding several seconds).
"""
from __future__ import annotations

import copy
import os
from datetime import UTC, datetime
from pathlib import Path

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


_session_apps: list = []  # the session app, once made


@pytest.fixture(autouse=True)
def _fresh_limiter():
    """After each test the limiter is bound to the session app again: an app made by a test (limits on, Redis)
    leaves nothing behind, and the session app's counters start from zero (see AppLimiter)."""
    yield
    if _session_apps:
        from quizapp.extensions import limiter

        limiter.init_app(_session_apps[0])


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
    _truncate(app)  # the rows a migration adds too: every test starts from the same empty database
    _session_apps[:] = [app]
    return app


class Templates:
    """Copies of the session database in given states, each made once, restored into it for a test."""

    def __init__(self, app, tmp_dir: Path):
        self.app, self.tmp_dir, self.made = app, tmp_dir, {}

    def _close_connections(self) -> sa.engine.URL:
        from quizapp.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()  # a PostgreSQL template may have no other connection, nor the database replaced
            return db.engine.url

    def _location(self, url: sa.engine.URL, name: str) -> str:
        if url.get_backend_name() == "sqlite":
            return str(self.tmp_dir / f"{name}.sqlite3")
        return f"{url.database}_{name}"[:63]

    def take(self, name: str, value=None) -> None:
        """Keep the session database as it is now under `name`, with a value to give back on restoring it."""
        url = self._close_connections()
        target = self._location(url, name)
        if url.get_backend_name() == "sqlite":
            dbutil.sqlite_copy_database(url.database, target)
        else:
            dbutil.pg_copy_database(url.database, target)
        self.made[name] = value

    def restore(self, name: str):
        """Replace the session database's content by the template's; returns (a copy of) the value kept."""
        url = self._close_connections()
        source = self._location(url, name)
        if url.get_backend_name() == "sqlite":
            dbutil.sqlite_copy_database(source, url.database)
        else:
            dbutil.pg_copy_database(source, url.database)
        return copy.deepcopy(self.made[name])

    def drop_all(self) -> None:
        url = self._close_connections()
        if url.get_backend_name() != "sqlite":
            for name in self.made:
                dbutil.pg_drop_database(self._location(url, name))


@pytest.fixture(scope="session")
def db_templates(_migrated_app, tmp_path_factory):
    """The session database's templates (Templates): take(name, value) once, restore(name) in later tests."""
    kept = Templates(_migrated_app, tmp_path_factory.mktemp("templates"))
    yield kept
    kept.drop_all()


def _is_empty(app) -> bool:
    from quizapp.extensions import db

    with app.app_context():
        return not db.session.scalar(sa.select(sa.or_(*(sa.exists().select_from(t) for t in db.metadata.sorted_tables))))


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
    from quizapp.services import caches

    caches.clear_all()  # ids restart after truncation; production ids never repeat

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
def seeded(app, now, tmp_path, db_templates):
    """The demo contest, seeded as `flask demo seed` does, with the clock at `now` and `tmp_path` as the instance
    folder (its demo_admin_password file). Seeded once per clock; later tests get a copy of that database."""
    from quizapp.services import demo

    name = "seeded_" + now.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    empty = _is_empty(app)  # rows made before this fixture (other fixtures) stay: seed on top of them instead
    if empty and name in db_templates.made:
        report = db_templates.restore(name)
        if report.admin_password:
            (tmp_path / "demo_admin_password").write_text(report.admin_password)
            (tmp_path / "demo_admin_password").chmod(0o600)
        return report
    with app.app_context():
        report = demo.seed_demo(now, tmp_path)
    if empty:
        db_templates.take(name, report)
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
