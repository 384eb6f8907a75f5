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


def test_upgrading_a_single_contest_site_keeps_its_staff_areas_and_topics(empty_db_url):
    """A database of the previous release: global organisers and moderators become roles in the contest, the
    shared area tree becomes the contest's own, the organiser name an organising body, every topic drawn."""
    app = _app(empty_db_url)
    with app.app_context():
        upgrade(revision="37bfcd46f5c8")
        with db.engine.begin() as conn:
            run = lambda sql, **kw: conn.execute(sa.text(sql), kw)  # noqa: E731
            run("INSERT INTO area (id, code, name, level, division_type) VALUES (1, '15', 'Lào Cai', 'province', '')")
            run("INSERT INTO area (id, code, name, level, division_type, parent_id) "
                "VALUES (2, '04000', 'Phường Cam Đường', 'commune', '', 1)")
            run("INSERT INTO contest (id, slug, title, organizer_name, description, rules_text, area_root_id, "
                "group_level, min_participation_rate, is_published, created_at) VALUES (1, 'cchc', 'Cuộc thi', "
                "'UBND tỉnh Lào Cai', '', '', 1, 'commune', 0.5, :t, :now)", t=True, now="2026-11-01 00:00:00")
            run("INSERT INTO unit (id, contest_id, code, name, kind, block) VALUES (1, 1, 'SNV', 'Sở Nội vụ', 'agency', '')")
            run("INSERT INTO topic (id, slug, title) VALUES (1, 'the-che', 'Cải cách thể chế')")
            for uid, role, unit in ((1, "organizer", None), (2, "moderator", 1), (3, "admin", None)):
                run("INSERT INTO user_account (id, role, full_name, name_key, username, password_hash, "
                    "is_active_account, created_at, scope_unit_id) VALUES (:id, :role, 'X', 'x', :u, 'h', :a, :now, :unit)",
                    id=uid, role=role, u=f"u{uid}", a=True, now="2026-11-01 00:00:00", unit=unit)
        upgrade()
        with db.engine.connect() as conn:
            q = lambda sql: conn.execute(sa.text(sql)).all()  # noqa: E731
            assert q("SELECT id, role FROM user_account ORDER BY id") == [(1, "staff"), (2, "staff"), (3, "admin")]
            assert q("SELECT user_id, contest_id, role, unit_id FROM staff_membership ORDER BY user_id") == [
                (1, 1, "organizer", None), (2, 1, "moderator", 1)]
            assert q("SELECT contest_id FROM area ORDER BY id") == [(1,), (1,)]
            assert q("SELECT b.name, c.province_code FROM contest c JOIN organizing_body b "
                     "ON b.id = c.organizing_body_id") == [("UBND tỉnh Lào Cai", "15")]
            assert q("SELECT contest_id, topic_id, use FROM contest_topic") == [(1, 1, "ranked")]
            assert q("SELECT k.kind FROM topic t JOIN collection k ON k.id = t.collection_id") == [("national",)]
