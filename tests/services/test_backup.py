"""Backups: a restore drill (create, restore into a fresh database, compare what users would see), a damaged
archive refused, a database with data protected without --yes. On PostgreSQL when TEST_DATABASE_URL says so."""
import hashlib
import io
import json
import stat
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from quizapp import create_app
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, ResultSet, utcnow
from quizapp.services import backup, results
from tests import dbutil
from tests.conftest import IS_PG
from tests.factories import register_contestant
from tests.results_factories import make_world

SECRET_KEY = "khoa-bi-mat-cua-may-chu-" + "7" * 40
DEMO_PASSWORD = "mat-khau-quan-tri-mau"
UPLOAD = "dinh-nghia: cuộc thi đang xem trước\n".encode()


def _skip_without_pg_tools(app):
    if IS_PG:
        with app.app_context():
            problem = backup.pg_tools_problem(db.engine, app.config.get("PG_BINDIR"))
        if problem:
            pytest.skip(f"PostgreSQL backups need matching client tools: {problem}")


@pytest.fixture
def source(app, tmp_path, monkeypatch):
    """The test database with a contest, attempts, answers and a published result; instance/ under tmp_path."""
    _skip_without_pg_tools(app)
    instance = tmp_path / "instance"
    (instance / "uploads").mkdir(parents=True)
    (instance / "secret_key").write_text(SECRET_KEY)
    (instance / "demo_admin_password").write_text(DEMO_PASSWORD)
    (instance / "uploads" / "a1b2c3").write_bytes(UPLOAD)
    monkeypatch.setattr(app, "instance_path", str(instance))
    with app.app_context():
        world = make_world(utcnow() - timedelta(days=8))
        hoa = register_contestant(world.contest, utcnow(), n=3, full_name="Nguyễn Thị Hoa")
        nam = register_contestant(world.contest, utcnow(), n=4, full_name="Trần Văn Nam")
        world.attempt(hoa, 0, 5, seconds=120)
        world.attempt(nam, 5, 3, seconds=100)
        world.attempt(nam, 30, 4, seconds=90)
        later = utcnow()
        draft = results.compute(world.round.id, later)
        results.publish(results.approve(draft.id, later).id, later)
        db.session.remove()
    return app


@pytest.fixture
def target(tmp_path):
    """An empty database (a new PostgreSQL database, or a new SQLite file) with an instance/ of its own."""
    url = dbutil.create_pg_database("quizapp_restore") if IS_PG else f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "another-key"})
    app.instance_path = str(tmp_path / "restored-instance")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if IS_PG:
        dbutil.drop_pg_database(url)


def _state(app) -> dict:
    """What the drill compares: every attempt and answer row, and each published result's CSV hash."""
    with app.app_context():
        rows = lambda t: [tuple(r) for r in db.session.execute(sa.select(t).order_by(t.c.id))]
        state = {
            "attempts": rows(Attempt.__table__),
            "answers": rows(Answer.__table__),
            "published": {rs.id: (rs.digest, hashlib.sha256(rs.public_csv).hexdigest())
                          for rs in db.session.scalars(sa.select(ResultSet).where(ResultSet.digest.is_not(None)))},
        }
        db.session.remove()
    return state


def _create(app, out: Path) -> tuple[Path, str]:
    result = app.test_cli_runner().invoke(args=["backup", "create", str(out)])
    assert result.exit_code == 0, result.output
    (archive,) = out.glob("quizapp-backup-*.tar.gz")
    return archive, result.output


def _restore(app, archive: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["backup", "restore", str(archive), *extra])


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def _rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of `archive` whose members' bytes went through change(name, data)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


def test_restore_drill_brings_back_attempts_answers_published_results_and_instance(source, target, tmp_path):
    before = _state(source)
    assert len(before["attempts"]) == 3 and len(before["answers"]) == 15 and len(before["published"]) == 1

    archive, output = _create(source, tmp_path / "backups")

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds personal data
    assert "Đã sao lưu vào" in output and "3 bài thi, 15 câu trả lời" in output and "Kết quả đã công bố: 1" in output
    manifest = _manifest(archive)
    assert SECRET_KEY not in output + json.dumps(manifest) and DEMO_PASSWORD not in output + json.dumps(manifest)
    assert manifest["database"]["kind"] == ("postgresql" if IS_PG else "sqlite")
    assert manifest["row_counts"]["attempt"] == 3 and manifest["row_counts"]["answer"] == 15
    assert [p["digest"] for p in manifest["published_results"]] == [d for d, _ in before["published"].values()]
    assert set(manifest["instance_files"]) == {"secret_key", "demo_admin_password", "uploads/a1b2c3"}

    result = _restore(target, archive)

    assert result.exit_code == 0, result.output
    assert "LỖI" not in result.output
    for checked in ("Tệp sao lưu nguyên vẹn", "Phiên bản lược đồ (alembic)", "khớp manifest",
                    "1 kết quả đã công bố: bản CSV công khai vẫn đúng mã SHA-256", "3 tệp của instance/"):
        assert checked in result.output
    assert _state(target) == before
    restored = Path(target.instance_path)
    assert (restored / "secret_key").read_text() == SECRET_KEY
    assert stat.S_IMODE((restored / "secret_key").stat().st_mode) == 0o600
    assert (restored / "uploads" / "a1b2c3").read_bytes() == UPLOAD


def test_a_tampered_or_truncated_archive_is_refused_and_the_target_left_untouched(source, target, tmp_path):
    archive, _ = _create(source, tmp_path / "backups")
    flip = lambda name, data: (data[:999] + bytes([data[999] ^ 0xFF]) + data[1000:]
                               if name.startswith("database.") else data)
    tampered = _rewrite(archive, tmp_path / "tampered.tar.gz", flip)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    for damaged, why in ((tampered, "không khớp mã SHA-256"), (truncated, "không đọc được")):
        result = _restore(target, damaged, "--yes")  # --yes never lets a damaged archive through
        assert result.exit_code != 0
        assert "bị hỏng hoặc đã bị sửa" in result.output and why in result.output
        assert "không thay đổi gì" in result.output

    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
    assert not Path(target.instance_path).exists()


def test_restoring_over_a_database_with_data_needs_yes(source, tmp_path):
    before = _state(source)
    archive, _ = _create(source, tmp_path / "backups")
    with source.app_context():  # a change after the backup, which a restore must undo
        answers = Answer.__table__
        db.session.execute(sa.delete(answers).where(answers.c.id == before["answers"][0][0]))
        db.session.commit()
        db.session.remove()
    changed = _state(source)

    refused = _restore(source, archive)

    assert refused.exit_code != 0 and "đang có dữ liệu" in refused.output and "--yes" in refused.output
    assert _state(source) == changed

    done = _restore(source, archive, "--yes")

    assert done.exit_code == 0, done.output
    assert _state(source) == before


def test_a_restored_result_that_no_longer_matches_its_recorded_digest_is_reported(source, target, tmp_path):
    archive, _ = _create(source, tmp_path / "backups")

    def other_digest(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["published_results"][0]["digest"] = "0" * 64
        return json.dumps(manifest).encode()

    result = _restore(target, _rewrite(archive, tmp_path / "other-digest.tar.gz", other_digest))

    assert result.exit_code != 0
    assert "LỖI Kết quả" in result.output and "bản CSV công khai không khớp mã 000000000000" in result.output


@pytest.mark.skipif(not IS_PG, reason="pg_dump's exported snapshot: needs PostgreSQL (set TEST_DATABASE_URL)")
def test_a_write_during_the_dump_is_in_neither_the_dump_nor_the_manifest(source, target, tmp_path, monkeypatch):
    """The app keeps running during a backup: the manifest's counts and the dump are the same instant."""
    run = backup._run

    def write_then_run(args, env, what):
        if what == "pg_dump":  # the snapshot is exported and the counts read; now the app writes
            with source.app_context(), db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM answer WHERE id = (SELECT min(id) FROM answer)"))
        run(args, env, what)

    monkeypatch.setattr(backup, "_run", write_then_run)
    archive, _ = _create(source, tmp_path / "backups")

    assert _manifest(archive)["row_counts"]["answer"] == 15
    assert len(_state(source)["answers"]) == 14
    result = _restore(target, archive)
    assert result.exit_code == 0 and "LỖI" not in result.output, result.output
    assert len(_state(target)["answers"]) == 15
