"""Benchmark and drill: back up the demo database (`flask demo seed`) and restore it into a fresh database.

For SQLite (a new file) and, when BENCH_DATABASE_URL / TEST_DATABASE_URL names a PostgreSQL server, for a throwaway
PostgreSQL database next to it (dropped at the end): migrate, seed the demo, then `--repeat` times run
`flask backup create` and `flask backup restore` (through the Flask CLI runner, in this process) into another fresh
database, and require every check of the restore to pass. Everything it made is removed at the end. Prints the archive size, the counts and the best and
median times as a Markdown table (for docs/reliability/backup.md).

Usage:  .venv/bin/python bench/backup_drill.py [--repeat 3] [--sqlite-only]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pg_url() -> str | None:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return None
    return "postgresql+psycopg://" + url.split("://", 1)[1]


class Databases:
    """Fresh databases of one kind; PostgreSQL ones are dropped on exit."""

    def __init__(self, kind: str, tmp: Path, admin_url: str | None):
        self.kind, self.tmp, self.admin_url, self.made = kind, tmp, admin_url, []

    def new(self, label: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp / f'{label}.sqlite3'}"
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        name = f"quizapp_bench_backup_{label}_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        self.made.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.made:
            return
        import sqlalchemy as sa

        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name in self.made:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _app(url: str, instance: Path):
    from quizapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    instance.mkdir(parents=True, exist_ok=True)
    app.instance_path = str(instance)
    return app


def _dispose(app) -> None:
    from quizapp.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def drill(kind: str, admin_url: str | None, repeat: int) -> dict:
    from flask_migrate import upgrade

    tmp = Path(tempfile.mkdtemp(prefix=f"quizapp-backup-drill-{kind}-"))
    dbs = Databases(kind, tmp, admin_url)
    try:
        source = _app(dbs.new("source"), tmp / "instance")
        with source.app_context():
            upgrade()
        seeded = source.test_cli_runner().invoke(args=["demo", "seed"])
        assert seeded.exit_code == 0, seeded.output
        creates, restores, archive, last = [], [], None, None
        for i in range(repeat):
            out = tmp / f"backups-{i}"
            start = time.perf_counter()
            made = source.test_cli_runner().invoke(args=["backup", "create", str(out)])
            creates.append(time.perf_counter() - start)
            assert made.exit_code == 0, made.output
            (archive,) = out.glob("*.tar.gz")
            target = _app(dbs.new(f"restore{i}"), tmp / f"restored-instance-{i}")
            start = time.perf_counter()
            last = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
            restores.append(time.perf_counter() - start)
            assert last.exit_code == 0 and "LỖI" not in last.output, last.output
            _dispose(target)
        _dispose(source)
        from quizapp.services.backup import DUMP_NAME

        with tarfile.open(archive) as tar:
            dump_size = tar.getmember(DUMP_NAME[kind]).size
        from quizapp.cli.backup import _counts
        from quizapp.services import backup

        with tempfile.TemporaryDirectory() as check:
            manifest = backup.verify(archive, Path(check))
        return {"kind": kind, "size": archive.stat().st_size, "dump": dump_size, "manifest": manifest,
                "counts": _counts(manifest["row_counts"]), "create": creates, "restore": restores,
                "checks": [line.strip() for line in last.output.splitlines() if line.strip().startswith("OK")]}
    finally:
        dbs.drop_all()
        shutil.rmtree(tmp, ignore_errors=True)  # the archives hold the (simulated) contestants' personal data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    pg = None if args.sqlite_only else _pg_url()
    runs = [drill("sqlite", None, args.repeat)]
    if pg:
        with contextlib.suppress(Exception):
            import sqlalchemy as sa

            engine = sa.create_engine(pg)
            with engine.connect() as conn:
                print("server:", conn.scalar(sa.text("SELECT version()")))
            engine.dispose()
        runs.append(drill("postgresql", pg, args.repeat))
    print(f"\nMachine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}\n")
    print("| database | archive | database copy | rows | create best / median | restore best / median |")
    print("|---|---|---|---|---|---|")
    for r in runs:
        m = r["manifest"]
        print(f"| {r['kind']} | {r['size'] / 1024:.0f} KiB | {r['dump'] / 1024:.0f} KiB | "
              f"{sum(m['row_counts'].values())} in {len(m['row_counts'])} tables | "
              f"{min(r['create']):.2f} / {statistics.median(r['create']):.2f} s | "
              f"{min(r['restore']):.2f} / {statistics.median(r['restore']):.2f} s |")
    for r in runs:
        print(f"\n{r['kind']}: {r['counts']}; {len(r['manifest']['published_results'])} published result(s)")
        for line in r["checks"]:
            print(f"  {line}")


if __name__ == "__main__":
    main()
