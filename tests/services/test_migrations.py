"""The schema is created only by migrations: upgrade from empty, downgrade, and no drift from the models."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from quizapp import create_app
from quizapp.extensions import db
from tests import dbutil
from tests.conftest import IS_PG


@pytest.fixture
def empty_db_url(tmp_path):
    if IS_PG:
        url = dbutil.create_pg_database("quizapp_mig")
        yield url
        dbutil.drop_pg_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"


def _app(url):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})


def _tables(app):
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_from_empty_creates_every_table(empty_db_url):
    app = _app(empty_db_url)
    assert _tables(app) == set()
    with app.app_context():
        upgrade()
    assert {t.name for t in db.metadata.sorted_tables} | {"alembic_version"} == _tables(app)


def test_models_match_migrations(empty_db_url):
    app = _app(empty_db_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_downgrade_to_empty_and_upgrade_again(empty_db_url):
    app = _app(empty_db_url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
    assert _tables(app) <= {"alembic_version"}
    with app.app_context():
        upgrade()
    assert "attempt" in _tables(app)
