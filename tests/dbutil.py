"""Test databases: a fresh SQLite file, or a fresh PostgreSQL database made from TEST_DATABASE_URL; copies of
one database into another (the templates of tests/conftest.py)."""
from __future__ import annotations

import os
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def pg_admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_pg_database(prefix: str = "quizapp_test") -> str:
    """Create an empty database next to TEST_DATABASE_URL's and return its URL."""
    admin = make_url(pg_admin_url())
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    pg_drop_database(make_url(url).database)


def _admin_engine():
    return sa.create_engine(make_url(pg_admin_url()), isolation_level="AUTOCOMMIT")


def pg_copy_database(source: str, target: str) -> None:
    """CREATE DATABASE target TEMPLATE source, after closing every other connection to source (a template may
    have none) and dropping an older target."""
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": source})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))
    engine.dispose()


def pg_drop_database(name: str) -> None:
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def sqlite_copy_database(source: str, target: str) -> None:
    """Copy one SQLite database into another, page by page (sqlite3's backup API: safe while the target has
    idle connections, which see the new content on their next statement)."""
    import sqlite3

    src, dst = sqlite3.connect(source), sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
