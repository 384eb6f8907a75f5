"""Test databases: a fresh SQLite file, or a fresh PostgreSQL database made from TEST_DATABASE_URL."""
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
    target = make_url(url)
    engine = sa.create_engine(make_url(pg_admin_url()), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    engine.dispose()
