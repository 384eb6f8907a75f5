"""Inserting many plain rows fast, in the caller's transaction: COPY on PostgreSQL, executemany on SQLite.

The ORM unit of work (and even Core's multi-row INSERT on psycopg, whose parameter splitting grows with the
statement) costs far more than the database for tens of thousands of rows: results, bank imports and the
synthetic generator insert through here instead. Rows are dicts keyed by column name, all with the same keys;
Python-side column defaults are applied for the columns they leave out, as an ORM insert would.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import JSON, insert
from sqlalchemy import exc as sa_exc

from quizapp.extensions import db
from quizapp.models.types import UTCDateTime

SQLITE_BATCH = 20_000


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _with_defaults(table, rows: list[dict]) -> list[str]:
    """Add the Python-side defaults of the columns `rows` leave out (COPY applies none); returns the columns."""
    given = set(rows[0])
    for col in table.columns:
        if col.name in given or col.default is None or not (col.default.is_scalar or col.default.is_callable):
            continue
        value = col.default.arg if col.default.is_scalar else col.default.arg(None)
        for row in rows:
            row[col.name] = value
    return list(rows[0])


def _converters(table, columns: list[str]) -> list:
    """Per column, what the column type's bind step would do that COPY does not: JSON text, aware UTC times."""

    def as_json(v):
        return None if v is None else json.dumps(v)

    def aware(v: datetime | None):
        if v is not None and v.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return v

    out = []
    for name in columns:
        kind = table.columns[name].type
        out.append(as_json if isinstance(kind, JSON) else aware if isinstance(kind, UTCDateTime) else None)
    return out


def insert_rows(model, rows: list[dict]) -> None:
    """Insert `rows` into the model's table (no ids returned, no ORM objects, no events)."""
    if not rows:
        return
    table = model.__table__
    if not is_postgres():
        for i in range(0, len(rows), SQLITE_BATCH):
            db.session.execute(insert(table), rows[i:i + SQLITE_BATCH])
        return
    columns = _with_defaults(table, rows)
    convert = [(i, f) for i, f in enumerate(_converters(table, columns)) if f is not None]
    names = ", ".join('"' + c + '"' for c in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    raw = db.session.connection().connection.driver_connection
    import psycopg

    try:
        with raw.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                values = [row[c] for c in columns]
                for i, f in convert:
                    values[i] = f(values[i])
                copy.write_row(values)
    except psycopg.Error as e:  # the same exception types as any other statement (IntegrityError, ...)
        raise sa_exc.DBAPIError.instance(statement, None, e, psycopg.Error) from e
