"""Backups: one archive per backup holding the database, a tar of instance/ and a manifest with checksums.

The database is copied consistently while the app runs: PostgreSQL with `pg_dump -Fc` inside an exported
snapshot (the manifest's row counts and result digests are read in that same snapshot), SQLite with the online
backup API (the counts are read from the copy). A restore verifies the archive before touching anything, then
restores and checks the revision, the row counts and every published result's public CSV against the manifest.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

from quizapp import ROOT

FORMAT = 1
PREFIX = "quizapp-backup-"
MANIFEST = "manifest.json"
INSTANCE_TAR = "instance.tar"
DUMP_NAME = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
BACKUPS_SUBDIR = "backups"  # the default place for archives, inside instance/ but never inside an archive
KEY_TABLES = ("contest", "round", "user_account", "registration", "attempt", "answer", "result_set")


class BackupError(Exception):
    """A backup or restore could not be done; `message` is Vietnamese, for the operator."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class BackupReport:
    path: Path
    size: int
    manifest: dict
    warnings: list[str] = field(default_factory=list)


@dataclass
class Check:
    label: str  # Vietnamese, shown as is
    ok: bool


@dataclass
class RestoreReport:
    manifest: dict
    checks: list[Check]
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


# ---------------------------------------------------------------------------------------------- helpers

def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def app_version() -> str:
    try:
        return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _kind(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in DUMP_NAME:
        raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu loại «{name}».")
    return name


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("Cơ sở dữ liệu SQLite nằm trong bộ nhớ, không có gì để sao lưu.")
    return Path(database).resolve()


def _tables(conn: Connection) -> list[str]:
    return sorted(t for t in sa.inspect(conn).get_table_names() if t != "alembic_version")


def _revision(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.scalar(sa.text("SELECT version_num FROM alembic_version"))


def _counts(conn: Connection, tables: list[str]) -> dict[str, int]:
    quote = conn.dialect.identifier_preparer.quote
    return {t: conn.scalar(sa.text(f"SELECT COUNT(*) FROM {quote(t)}")) for t in tables}


def _published(conn: Connection) -> list[dict]:
    """Every result version that was published (now or before a correction), with its digest and CSV's hash."""
    if not sa.inspect(conn).has_table("result_set"):
        return []
    rows = conn.execute(sa.text("SELECT id, round_id, version, status, digest, public_csv FROM result_set "
                                "WHERE digest IS NOT NULL ORDER BY id"))
    return [{"result_set_id": r.id, "round_id": r.round_id, "version": r.version, "status": r.status,
             "digest": r.digest, "csv_sha256": hashlib.sha256(bytes(r.public_csv or b"")).hexdigest()}
            for r in rows]


def _read_state(conn: Connection) -> dict:
    return {"revision": _revision(conn), "row_counts": _counts(conn, _tables(conn)), "published": _published(conn)}


def is_empty(engine: Engine) -> bool:
    """No table of the database holds a row (a freshly migrated database is empty)."""
    with engine.connect() as conn:
        quote = conn.dialect.identifier_preparer.quote
        return not any(conn.scalar(sa.text(f"SELECT 1 FROM {quote(t)} LIMIT 1")) for t in _tables(conn))


# ---------------------------------------------------------------------------------------------- PostgreSQL tools

def _pg_tool(name: str, bindir: str | None) -> str | None:
    if bindir:
        path = Path(bindir) / name
        return str(path) if path.exists() else None
    return shutil.which(name)


def _tool_major(tool: str) -> int:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"\) (\d+)", out)
    return int(match.group(1)) if match else 0


def _server_major(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.text("SHOW server_version_num"))) // 10000


def pg_tools_problem(engine: Engine, bindir: str | None = None) -> str | None:
    """Why pg_dump/pg_restore cannot serve this server (missing, or older than it), or None."""
    server = _server_major(engine)
    for name in ("pg_dump", "pg_restore"):
        tool = _pg_tool(name, bindir)
        if tool is None:
            return f"Không tìm thấy {name} (cài gói postgresql-client-{server} hoặc đặt PG_BINDIR)."
        major = _tool_major(tool)
        if major < server:
            return (f"{name} phiên bản {major} cũ hơn máy chủ PostgreSQL {server}: cài postgresql-client-{server} "
                    f"và đặt PG_BINDIR=/usr/lib/postgresql/{server}/bin.")
    return None


def _libpq(url: URL) -> tuple[str, dict]:
    """A libpq connection URI without the password (which goes in PGPASSWORD, never on a command line)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(args: list[str], env: dict, what: str) -> None:
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        detail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{what} thất bại (mã {proc.returncode}):\n{detail}")


# ---------------------------------------------------------------------------------------------- create

def _dump_postgresql(engine: Engine, out: Path, bindir: str | None) -> tuple[dict, dict]:
    """pg_dump in a snapshot exported by a read-only transaction that also reads the manifest's figures."""
    problem = pg_tools_problem(engine, bindir)
    if problem:
        raise BackupError(problem)
    pg_dump = _pg_tool("pg_dump", bindir)
    uri, env = _libpq(engine.url)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            snapshot = conn.scalar(sa.text("SELECT pg_export_snapshot()"))
            state = _read_state(conn)
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={out}", f"--dbname={uri}"],
                 env, "pg_dump")
            server = conn.scalar(sa.text("SHOW server_version"))
    return state, {"server_version": server, "pg_dump_major": _tool_major(pg_dump)}


def _dump_sqlite(engine: Engine, out: Path) -> tuple[dict, dict]:
    """SQLite's online backup (consistent while the app writes), then the figures read from the copy itself."""
    src = sqlite3.connect(_sqlite_path(engine), timeout=30)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    copy = sa.create_engine(f"sqlite:///{out}")
    try:
        with copy.connect() as conn:
            state = _read_state(conn)
    finally:
        copy.dispose()
    return state, {"sqlite_version": sqlite3.sqlite_version}


def _skipped(instance: Path, engine: Engine) -> set[Path]:
    """What instance/ holds that an archive must not: the SQLite files (dumped apart) and the backups."""
    skip = {(instance / BACKUPS_SUBDIR).resolve()}
    if engine.dialect.name == "sqlite":
        db_path = _sqlite_path(engine)
        skip |= {Path(f"{db_path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")}
    return skip


def _tar_instance(instance: Path, out: Path, skip: set[Path]) -> dict[str, str]:
    """Regular files of instance/ into a tar; returns {relative path: SHA-256}."""
    files: dict[str, str] = {}
    with tarfile.open(out, "w") as tar:
        for dirpath, dirnames, filenames in os.walk(instance):
            here = Path(dirpath)
            dirnames[:] = sorted(d for d in dirnames if (here / d).resolve() not in skip)
            for name in sorted(filenames):
                path = here / name
                if path.resolve() in skip or name.startswith(PREFIX) or not path.is_file() or path.is_symlink():
                    continue
                rel = path.relative_to(instance).as_posix()
                files[rel] = sha256_file(path)
                info = tar.gettarinfo(str(path), arcname=rel)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with path.open("rb") as f:
                    tar.addfile(info, f)
    return files


def _archive_path(out_dir: Path, now: datetime, tz: str) -> Path:
    stamp = now.astimezone(ZoneInfo(tz)).strftime("%Y%m%d-%H%M%S")
    path, n = out_dir / f"{PREFIX}{stamp}.tar.gz", 1
    while path.exists():
        n += 1
        path = out_dir / f"{PREFIX}{stamp}-{n}.tar.gz"
    return path


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, mtime
    tar.addfile(info, io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, path: Path, mtime: float) -> None:
    info = tarfile.TarInfo(path.name)
    info.size, info.mode, info.mtime = path.stat().st_size, 0o600, mtime
    with path.open("rb") as f:
        tar.addfile(info, f)


def create(engine: Engine, instance_path: str | Path, out_dir: str | Path | None, now: datetime,
           tz: str = "Asia/Ho_Chi_Minh", pg_bindir: str | None = None) -> BackupReport:
    """Write one archive (mode 0600) with the database, instance/ and the manifest into `out_dir`."""
    instance = Path(instance_path).resolve()
    out = Path(out_dir).resolve() if out_dir else instance / BACKUPS_SUBDIR
    kind = _kind(engine)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(prefix="quizapp-backup-") as tmp:
        dump = Path(tmp) / DUMP_NAME[kind]
        if kind == "postgresql":
            state, details = _dump_postgresql(engine, dump, pg_bindir)
        else:
            state, details = _dump_sqlite(engine, dump)
        instance_tar = Path(tmp) / INSTANCE_TAR
        skip = _skipped(instance, engine) | {out}
        instance_files = _tar_instance(instance, instance_tar, skip) if instance.is_dir() else {}
        manifest = {
            "format": FORMAT, "app": "quizapp", "app_version": app_version(),
            "alembic_revision": state["revision"], "database": {"kind": kind, **details},
            "created_at": now.isoformat(),
            "files": {p.name: {"sha256": sha256_file(p), "size": p.stat().st_size} for p in (dump, instance_tar)},
            "instance_files": instance_files, "row_counts": state["row_counts"], "published_results": state["published"],
        }
        path = _archive_path(out, now, tz)
        partial = path.with_name(path.name + ".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f, tarfile.open(fileobj=f, mode="w:gz") as tar:
                mtime = now.timestamp()
                _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode(), mtime)
                _add_file(tar, dump, mtime)
                _add_file(tar, instance_tar, mtime)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    warnings = [f"Kết quả {p['result_set_id']} (đợt {p['round_id']}, phiên bản {p['version']}): bản CSV công khai "
                f"không còn khớp mã SHA-256 đã công bố." for p in state["published"] if p["csv_sha256"] != p["digest"]]
    return BackupReport(path, path.stat().st_size, manifest, warnings)


# ---------------------------------------------------------------------------------------------- verify

DAMAGED = "Tệp sao lưu {name} bị hỏng hoặc đã bị sửa ({why}); không khôi phục, không thay đổi gì."


def verify(archive: str | Path, into: Path) -> dict:
    """Unpack `archive` into `into` and check it against its manifest; raise BackupError if it is damaged."""
    archive = Path(archive)
    fail = lambda why: BackupError(DAMAGED.format(name=archive.name, why=why))
    if not archive.is_file():
        raise BackupError(f"Không có tệp {archive}.")
    seen: dict[str, Path] = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if not member.isfile() or "/" in member.name or member.name in seen or member.name not in (
                        MANIFEST, INSTANCE_TAR, *DUMP_NAME.values()):
                    raise fail(f"có mục lạ «{member.name}»")
                target = into / member.name
                with tar.extractfile(member) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                seen[member.name] = target
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        raise fail(f"không đọc được: {e}") from None
    if MANIFEST not in seen:
        raise fail("thiếu manifest.json")
    try:
        manifest = json.loads(seen[MANIFEST].read_text(encoding="utf-8"))
        files = manifest["files"]
        kind = manifest["database"]["kind"]
    except (ValueError, KeyError, TypeError):
        raise fail("manifest.json không đọc được") from None
    if manifest.get("format") != FORMAT or kind not in DUMP_NAME:
        raise fail(f"định dạng {manifest.get('format')!r} / {kind!r} không được hỗ trợ")
    expected = {DUMP_NAME[kind], INSTANCE_TAR}
    if set(files) != expected or set(seen) - {MANIFEST} != expected:
        raise fail("danh sách tệp không khớp manifest")
    for name, meta in files.items():
        if seen[name].stat().st_size != meta.get("size") or sha256_file(seen[name]) != meta.get("sha256"):
            raise fail(f"{name} không khớp mã SHA-256 trong manifest")
    try:
        with tarfile.open(seen[INSTANCE_TAR]) as tar:
            for member in tar:
                tarfile.data_filter(member, str(into))  # refuses absolute paths, "..", links out, devices
    except tarfile.TarError as e:
        raise fail(f"instance.tar có mục không an toàn: {e}") from None
    return manifest


# ---------------------------------------------------------------------------------------------- restore

def _restore_postgresql(engine: Engine, dump: Path, bindir: str | None) -> None:
    pg_restore = _pg_tool("pg_restore", bindir)
    uri, env = _libpq(engine.url)
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          f"--dbname={uri}", str(dump)], env, "pg_restore")


def _restore_sqlite(engine: Engine, copy: Path) -> None:
    """The backup API in reverse: pages written through SQLite, so the target's WAL and locks stay right."""
    target = _sqlite_path(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(copy)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _restore_instance(tar_path: Path, instance: Path) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tar_path) as tar:
        tar.extractall(instance, filter="data")
    for name in ("secret_key", "demo_admin_password"):
        if (instance / name).exists():
            (instance / name).chmod(0o600)


def _checks(engine: Engine, manifest: dict, instance: Path) -> list[Check]:
    with engine.connect() as conn:
        state = _read_state(conn)
        digests = {r.id: hashlib.sha256(bytes(r.public_csv or b"")).hexdigest() for r in conn.execute(
            sa.text("SELECT id, public_csv FROM result_set WHERE digest IS NOT NULL"))} if state["published"] else {}
    revision, want = state["revision"], manifest["alembic_revision"]
    checks = [Check(f"Phiên bản lược đồ (alembic) {revision} khớp bản sao lưu" if revision == want else
                    f"Phiên bản lược đồ (alembic) {revision} khác bản sao lưu ({want})", revision == want)]
    wrong = {t: (n, state["row_counts"].get(t)) for t, n in manifest["row_counts"].items()
             if state["row_counts"].get(t) != n}
    total = sum(manifest["row_counts"].values())
    checks.append(Check(f"Số dòng của {len(manifest['row_counts'])} bảng ({total} dòng) khớp manifest", not wrong))
    for t, (want, got) in sorted(wrong.items()):
        checks.append(Check(f"Bảng {t}: có {got} dòng, bản sao lưu ghi {want}", False))
    bad = [p for p in manifest["published_results"] if digests.get(p["result_set_id"]) != p["digest"]]
    checks.append(Check(f"{len(manifest['published_results'])} kết quả đã công bố: bản CSV công khai vẫn đúng mã "
                        f"SHA-256 đã công bố", not bad))
    for p in bad:
        checks.append(Check(f"Kết quả {p['result_set_id']} (đợt {p['round_id']}, phiên bản {p['version']}): "
                            f"bản CSV công khai không khớp mã {p['digest'][:12]}…", False))
    files = manifest.get("instance_files", {})
    bad_files = [rel for rel, digest in files.items()
                 if not (instance / rel).is_file() or sha256_file(instance / rel) != digest]
    checks.append(Check(f"{len(files)} tệp của instance/ khớp mã SHA-256"
                        + (f" (sai: {', '.join(bad_files)})" if bad_files else ""), not bad_files))
    return checks


def _code_head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def restore(archive: str | Path, engine: Engine, instance_path: str | Path, *, yes: bool = False,
            pg_bindir: str | None = None) -> RestoreReport:
    """Verify `archive`, then restore its database into `engine`'s and its instance/ files, then check them.

    Nothing is changed when the archive is damaged, made from another kind of database, or the target holds
    data and `yes` is not given. The caller must hold no open transaction on `engine`.
    """
    instance = Path(instance_path).resolve()
    kind = _kind(engine)
    with tempfile.TemporaryDirectory(prefix="quizapp-restore-") as tmp:
        manifest = verify(archive, Path(tmp))
        if manifest["database"]["kind"] != kind:
            raise BackupError(f"Bản sao lưu là cơ sở dữ liệu {manifest['database']['kind']}, nơi khôi phục là {kind}: "
                              f"chỉ khôi phục được vào cùng loại.")
        if kind == "postgresql":
            problem = pg_tools_problem(engine, pg_bindir)
            if problem:
                raise BackupError(problem)
        if not yes and not is_empty(engine):
            raise BackupError("Cơ sở dữ liệu đích đang có dữ liệu; khôi phục sẽ ghi đè toàn bộ. "
                              "Dừng ứng dụng rồi chạy lại với --yes nếu chắc chắn.")
        engine.dispose()  # no pooled connection may hold a lock the restore needs
        if kind == "postgresql":
            _restore_postgresql(engine, Path(tmp) / DUMP_NAME[kind], pg_bindir)
        else:
            _restore_sqlite(engine, Path(tmp) / DUMP_NAME[kind])
        _restore_instance(Path(tmp) / INSTANCE_TAR, instance)
    engine.dispose()
    intact = Check(f"Tệp sao lưu nguyên vẹn: manifest.json và mã SHA-256 của {len(manifest['files'])} tệp khớp", True)
    report = RestoreReport(manifest, [intact, *_checks(engine, manifest, instance)])
    head = _code_head()
    if manifest["alembic_revision"] != head:
        report.notes.append(f"Mã nguồn hiện tại ở phiên bản lược đồ {head}: chạy `flask db upgrade` trước khi mở lại.")
    return report
