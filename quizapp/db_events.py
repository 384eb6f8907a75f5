"""Per-connection settings: SQLite runs in WAL mode with foreign keys on and a busy timeout."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def install_sqlite_pragmas(engine: Engine) -> None:
    """WAL lets readers run beside the writer; foreign keys are off by default in SQLite."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
