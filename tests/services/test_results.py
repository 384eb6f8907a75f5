"""Round results: computed from every attempt, reviewed, approved, published with a verifiable digest, corrected."""
import csv
import hashlib
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from quizapp.domain import ranking
from quizapp.domain.errors import DomainError
from quizapp.domain.results import HEADERS, ORGANIZER_COLUMNS, PUBLIC_COLUMNS
from quizapp.extensions import db
from quizapp.models import AuditLog, Registration, ResultEntry, ResultSet, Round, User, utcnow
from quizapp.services import access, results
from tests.factories import make_contest, make_staff, register_contestant
from tests.results_factories import all_entries, make_world


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


@pytest.fixture
def played(db_session, now):
    """A round with officials in two units and citizens; one official finished impossibly fast."""
    world = make_world(now)
    officials = world.people(4, "officials", unit=0, names=["Trần Văn An", "Lê Thị Bình", "Phạm Văn Cường",
                                                            "Hoàng Thị Dung"])
    citizens = world.people(3, "citizens", names=["Vũ Văn Em", "Đỗ Thị Gấm", "Bùi Văn Hải"])
    world.attempt(officials[0], 0, 5, seconds=4, prediction=2)  # 5 questions in 4 seconds: flagged
    world.attempt(officials[1], 1, 5, seconds=200, prediction=2)
    world.attempt(officials[2], 2, 4, seconds=100, prediction=2)
    world.attempt(officials[3], 3, 3, seconds=100, prediction=2)
    world.attempt(officials[3], 60, 2, seconds=100, prediction=2)  # a worse second try does not count
    world.attempt(citizens[0], 4, 4, seconds=300, prediction=0)
    world.attempt(citizens[1], 5, 4, seconds=300, prediction=9)
    world.attempt(citizens[2], 6, 1, seconds=30, prediction=2)
    return world, officials, citizens


def test_results_cannot_be_computed_before_the_round_and_its_grace_period_end(played):
    world, *_ = played
    with pytest.raises(DomainError, match="chưa kết thúc"):
        results.compute(world.round.id, world.round.closes_at + timedelta(seconds=5))


def test_draft_ranks_each_track_as_the_domain_does_and_awards_the_configured_prizes(played):
    world, officials, citizens = played
    draft = results.compute(world.round.id, world.after_close())
    assert draft.status == "draft" and draft.version == 1 and draft.ranked_count == 7
    assert draft.prediction_actual == 2  # two perfect scores

    full = ranking.rank_round(all_entries(world.round), "best", "perfect_count")
    rows = results.result_rows(draft)
    for track in world.contest.tracks:
        want = [r.entry.attempt_id for r in full if r.entry.contestant_id in
                {reg.id for reg in (officials if track.code == "officials" else citizens)}]
        assert [r.attempt_id for r in rows if r.track == track.name] == want
    assert [(r.full_name, r.prize) for r in rows if r.track == "Cán bộ, công chức, viên chức"] == [
        ("Trần Văn An", "first"), ("Lê Thị Bình", "second"), ("Phạm Văn Cường", "third"),
        ("Hoàng Thị Dung", "consolation")]
    assert [(r.full_name, r.prediction_error) for r in rows if r.track == "Người dân"] == [
        ("Vũ Văn Em", 2), ("Đỗ Thị Gấm", 7), ("Bùi Văn Hải", 0)]
    units = {r["code"]: r for block in draft.summary["units"] for r in block["rows"]}
    assert units["SA"]["rate"] == 1.0 and units["SA"]["prize"] == "first"  # 4 of 4 staff took part
    assert units["SB"]["prize"] is None and units["SB"]["participants"] == 0


def test_a_flagged_prize_winner_must_be_reviewed_before_approval(played):
    world, officials, _ = played
    later = world.after_close()
    draft = results.compute(world.round.id, later)
    [flagged] = [f for f in results.flagged(draft) if f.blocking]
    assert flagged.entry.full_name == "Trần Văn An" and flagged.flags == ["fast"]
    with pytest.raises(DomainError, match="chưa được xem xét"):
        results.approve(draft.id, later)
    results.review_entry(world.round.id, flagged.entry.attempt_id, "accepted", "Đã gọi điện xác minh.", later)
    assert results.approve(draft.id, later).status == "approved"


def staff(role: str, world) -> User:
    """A staff member of the world's contest (moderators watch its first unit)."""
    return make_staff(role, role, [world.contest], unit=world.units[0])


def test_disqualifying_a_flagged_winner_recomputes_the_draft_without_them(played):
    world, officials, _ = played
    later = world.after_close()
    draft = results.compute(world.round.id, later)
    attempt_id = next(f.entry.attempt_id for f in results.flagged(draft) if f.blocking)
    with pytest.raises(DomainError, match="lý do"):
        results.review_entry(world.round.id, attempt_id, "disqualified", "", later, staff("organizer", world))
    with pytest.raises(DomainError, match="Chỉ Ban Tổ chức"):
        results.review_entry(world.round.id, attempt_id, "disqualified", "Thi hộ.", later, staff("moderator", world))
    outsider = make_staff("khac", "organizer", [make_contest(later, slug="cuoc-thi-khac")])
    with pytest.raises(DomainError) as e:
        results.review_entry(world.round.id, attempt_id, "accepted", "", later, outsider)
    assert e.value.code == "not_found"  # organisers of another contest cannot even find it
    redo = results.review_entry(world.round.id, attempt_id, "disqualified", "Thi hộ.", later,
                                db.session.scalar(select(User).where(User.username == "organizer")))
    logged = [a.action for a in db.session.scalars(select(AuditLog).where(AuditLog.contest_id == world.contest.id))]
    assert logged.count("result.review") == 1 and "entry.disqualify" in logged
    assert redo.version == 1 and redo.status == "draft" and redo.ranked_count == 6
    assert redo.prediction_actual == 1
    names = [r.full_name for r in results.result_rows(redo) if r.prize]
    assert "Trần Văn An" not in names and names[0] == "Lê Thị Bình"
    assert db.session.scalar(select(func.count()).select_from(ResultSet)) == 1
    reg = db.session.get(Registration, officials[0].id)
    assert reg.status == "disqualified" and reg.status_reason == "Thi hộ."  # through the integrity service
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.registration_id == reg.id, AuditLog.action == "entry.disqualify")) == 1


def publish(world, reason=""):
    later = world.after_close()
    draft = results.compute(world.round.id, later)
    for f in results.flagged(draft):
        if f.blocking:
            results.review_entry(world.round.id, f.entry.attempt_id, "accepted", "", later)
    return results.publish(results.approve(draft.id, later).id, later, reason=reason)


def test_publishing_freezes_the_public_csv_and_its_digest_matches_the_export(played):
    world, *_ = played
    published = publish(world)
    assert published.status == "published" and len(published.digest) == 64
    data, name = results.export(world.round.id, "csv", public=True)
    assert hashlib.sha256(data).hexdigest() == published.digest
    assert name.endswith("-v1.csv")
    again, _ = results.export(world.round.id, "csv", public=True)
    assert again == data  # the same bytes every time


def by_header(table: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(table[0], row)) for row in table[1:]]


def test_exports_have_exactly_the_agreed_vietnamese_columns(played):
    world, *_ = played
    publish(world)
    organizer = csv_rows(results.export(world.round.id, "csv")[0])
    assert organizer[0] == [HEADERS[c] for c in ORGANIZER_COLUMNS]
    assert len(organizer) == 1 + 7
    first = by_header(organizer)[0]
    assert first["Hạng"] == "1" and first["Họ và tên"] == "Trần Văn An" and first["Đơn vị"] == "Sở A"
    assert first["Giải"] == "Giải Nhất" and first["Cờ cần xem xét"] == "Làm bài quá nhanh so với số câu đúng"
    assert first["Điểm"] == "100.00" and first["Chênh lệch dự đoán"] == "0" and first["Số câu"] == "5"
    assert first["Thời gian làm bài"] == "0:04" and re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", first["Nộp bài lúc"])
    assert first["Mã xã, phường"].startswith("C") and first["Xã, phường"].startswith("Xã")

    book = load_workbook(io.BytesIO(results.export(world.round.id, "xlsx")[0]))
    sheet = book.active
    assert [c.value for c in sheet[1]] == [HEADERS[c] for c in ORGANIZER_COLUMNS]
    assert sheet.max_row == 1 + 7 and sheet["A2"].value == 1 and sheet.title == world.round.name

    public = csv_rows(results.export(world.round.id, "csv", public=True)[0])
    assert public[0] == [HEADERS[c] for c in PUBLIC_COLUMNS]
    assert by_header(public)[0]["Giải"] == "Giải Nhất"
    public_book = load_workbook(io.BytesIO(results.export(world.round.id, "xlsx", public=True)[0]))
    assert [c.value for c in public_book.active[1]] == [HEADERS[c] for c in PUBLIC_COLUMNS]


@pytest.fixture
def two_prizes(played):
    """Only a first and a second prize per track, so some ranked people win nothing; everyone has contacts."""
    world, officials, citizens = played
    world.contest.prize_config = {"individual": {"first": 1, "second": 1, "third": 0, "consolation": 0},
                                  "collective": {"first": 0, "second": 0, "third": 0}}
    for n, reg in enumerate(officials + citizens):
        reg.user.phone, reg.user.cccd, reg.user.birth_date = f"09120000{n:02d}", f"0010880000{n:02d}", date(1988, 1, n + 1)
    db.session.commit()
    return world, officials, citizens


def contacts_of(table: list[list[str]]) -> dict[str, tuple]:
    return {r["Họ và tên"]: (r["Giải"], r["Số điện thoại"], r["Số CCCD"], r["Ngày sinh"]) for r in by_header(table)}


def test_organisers_file_has_the_winners_contacts_and_nobody_elses(two_prizes):
    world, officials, citizens = two_prizes
    later = world.after_close()
    results.compute(world.round.id, later)
    organizer = staff("organizer", world)
    scope = access.for_contest(organizer, world.contest)
    data, _ = results.export(world.round.id, "csv", scope=scope, contacts=True, actor=organizer, now=later)
    table = csv_rows(data)
    assert table[0][-4:] == ["Số điện thoại", "Số CCCD", "Ngày sinh", "Email"]
    shown = contacts_of(table)
    assert shown["Trần Văn An"] == ("Giải Nhất", "0912000000", "001088000000", "01/01/1988")
    assert shown["Lê Thị Bình"][0] == "Giải Nhì" and shown["Lê Thị Bình"][1] == "0912000001"
    assert shown["Phạm Văn Cường"] == ("", "", "", "") and shown["Bùi Văn Hải"] == ("", "", "", "")
    logged = db.session.scalar(select(AuditLog).where(AuditLog.action == "result.export_contacts"))
    assert logged.actor_id == organizer.id and logged.after["winners"] == 4
    assert "0912000000" not in str(logged.after) and "001088000000" not in str(logged.after)

    asked_not = csv_rows(results.export(world.round.id, "csv", scope=scope, contacts=False)[0])
    assert "Số điện thoại" not in asked_not[0]


def test_a_moderator_never_gets_contacts_and_only_their_units_rows(two_prizes):
    world, *_ = two_prizes
    results.compute(world.round.id, world.after_close())
    moderator = staff("moderator", world)
    scope = access.for_contest(moderator, world.contest)
    for fmt in ("csv", "xlsx"):
        data, _ = results.export(world.round.id, fmt, scope=scope, contacts=True, actor=moderator, now=utcnow())
        if fmt == "csv":
            table = csv_rows(data)
        else:
            table = [[("" if c.value is None else str(c.value)) for c in r] for r in load_workbook(io.BytesIO(data)).active]
        assert table[0] == [HEADERS[c] for c in ORGANIZER_COLUMNS]
        assert {r["Đơn vị"] for r in by_header(table)} == {"Sở A"}
        assert "0912000000" not in str(table) and "001088000000" not in str(table)
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "result.export_contacts")) == 0


def test_the_public_file_lists_the_winners_as_the_public_page_does(two_prizes):
    world, *_ = two_prizes
    publish(world)
    public = by_header(csv_rows(results.export(world.round.id, "csv", public=True)[0]))
    page = results.public_results(world.round.id)
    assert [r["Họ và tên"] for r in public] == [r.full_name for _, rows in page.winners for r in rows]
    assert len(public) == 4 and all(r["Giải"] for r in public)
    assert not {"Số điện thoại", "Số CCCD", "Ngày sinh", "Email", "Mã bài thi"} & set(public[0])


def test_a_result_published_before_the_vietnamese_headers_keeps_its_frozen_bytes(played):
    world, *_ = played
    published = publish(world)
    old = b"\xef\xbb\xbfrank,prize,full_name\r\n1,Gi\xe1\xba\xa3i Nh\xe1\xba\xa5t,Tr\xe1\xba\xa7n V\xc4\x83n An\r\n"
    published.public_csv, published.digest = old, hashlib.sha256(old).hexdigest()
    db.session.commit()
    assert results.export(world.round.id, "csv", public=True)[0] == old
    assert results.public_results(world.round.id).result.digest == hashlib.sha256(old).hexdigest()


def test_a_correction_publishes_a_new_version_and_the_old_one_stays_as_superseded(played):
    world, officials, _ = played
    first = publish(world)
    first_csv = results.export(world.round.id, "csv", public=True)[0]
    later = world.after_close() + timedelta(days=2)
    winner_attempt = db.session.scalar(select(ResultEntry.attempt_id).where(
        ResultEntry.result_set_id == first.id, ResultEntry.prize == "first", ResultEntry.full_name == "Trần Văn An"))
    results.review_entry(world.round.id, winner_attempt, "disqualified", "Thi hộ, đã xác minh.", later,
                         staff("organizer", world))
    draft = results.compute(world.round.id, later)
    assert draft.version == 2
    approved = results.approve(draft.id, later)
    with pytest.raises(DomainError, match="lý do"):
        results.publish(approved.id, later)
    second = results.publish(approved.id, later, reason="Loại thí sinh Trần Văn An do thi hộ.")

    db.session.refresh(first)
    assert (first.status, second.status, second.supersedes_id) == ("superseded", "published", first.id)
    assert second.digest != first.digest
    assert results.export(world.round.id, "csv", public=True, version=1)[0] == first_csv
    assert hashlib.sha256(first_csv).hexdigest() == first.digest
    page = results.public_results(world.round.id)
    assert page.result.version == 2 and [v.version for v in page.versions] == [2, 1]
    assert results.public_results(world.round.id, version=1).result.status == "superseded"


def test_nothing_is_public_before_publication(played):
    world, *_ = played
    results.compute(world.round.id, world.after_close())
    assert results.public_results(world.round.id).result is None
    with pytest.raises(DomainError):
        results.export(world.round.id, "csv", public=True)


def test_public_export_never_contains_identity_numbers_or_birth_dates(db_session, now):
    world = make_world(now)
    reg = register_contestant(world.contest, now, n=7, full_name="Nguyễn Thị Hoa", birth_date=date(1988, 3, 9),
                              gender="nu")
    world.attempt(reg, 0, 5, seconds=90)
    publish(world)
    user = reg.user
    secrets = [user.cccd, user.phone, "1988-03-09", "09/03/1988", "9/3/1988"]
    for fmt in ("csv", "xlsx"):
        data = results.export(world.round.id, fmt, public=True)[0]
        text = data.decode("utf-8", "replace") if fmt == "csv" else " ".join(
            str(c.value) for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row)
        assert "Nguyễn Thị Hoa" in text
        for secret in secrets:
            assert secret not in text


# ---------------------------------------------------------------- the command line


@pytest.fixture
def closed_round(app):
    """A round that closed yesterday (the commands use the real clock)."""
    with app.app_context():
        world = make_world(utcnow() - timedelta(days=8))
        a, b = world.people(2, "citizens")
        world.attempt(a, 0, 5, seconds=100)
        world.attempt(b, 5, 3, seconds=100)
        return world.round.id


def test_cli_compute_export_and_publish(app, runner, closed_round, tmp_path):
    out = runner.invoke(args=["results", "compute", str(closed_round)])
    assert out.exit_code == 0, out.output
    assert "2 thí sinh được xếp hạng" in out.output and "phiên bản 1" in out.output

    full = tmp_path / "day-du.xlsx"
    out = runner.invoke(args=["results", "export", str(closed_round), str(full)])
    assert out.exit_code == 0, out.output
    assert [c.value for c in load_workbook(full).active[1]] == [HEADERS[c] for c in ORGANIZER_COLUMNS]

    out = runner.invoke(args=["results", "export", str(closed_round), str(tmp_path / "x.csv"), "--public"])
    assert out.exit_code != 0 and "Chưa có kết quả được công bố" in out.output

    out = runner.invoke(args=["results", "publish", str(closed_round)])
    assert out.exit_code == 0, out.output
    digest = out.output.strip().split()[-1]
    public = tmp_path / "cong-khai.csv"
    out = runner.invoke(args=["results", "export", str(closed_round), str(public), "--public"])
    assert out.exit_code == 0, out.output
    assert hashlib.sha256(public.read_bytes()).hexdigest() == digest
    assert csv_rows(public.read_bytes())[0] == [HEADERS[c] for c in PUBLIC_COLUMNS]

    out = runner.invoke(args=["results", "publish", str(closed_round)])
    assert out.exit_code != 0 and "flask results compute" in out.output


def test_cli_refuses_an_open_round_and_unknown_files(runner, app, now):
    with app.app_context():
        world = make_world(utcnow())
        round_id = world.round.id
    out = runner.invoke(args=["results", "compute", str(round_id)])
    assert out.exit_code != 0 and "chưa kết thúc" in out.output
    out = runner.invoke(args=["results", "export", str(round_id), "ket-qua.pdf"])
    assert out.exit_code != 0 and ".xlsx hoặc .csv" in out.output


def test_shared_devices_likely_duplicates_and_integrity_flags_are_flagged(played):
    from quizapp.models import ReviewFlag

    world, officials, citizens = played
    twin_a, twin_b = officials[1], citizens[0]
    twin_a.device_id = twin_b.device_id = "thiet-bi-chung"
    db.session.add(ReviewFlag(contest_id=world.contest.id, kind="same_answers", key="k1",
                              registration_id=citizens[1].id, detail="giống hệt"))
    db.session.commit()
    rows = {r.full_name: r.flags for r in results.result_rows(results.compute(world.round.id, world.after_close()))}
    assert rows["Lê Thị Bình"] == ("shared_device",) and rows["Vũ Văn Em"] == ("shared_device",)
    assert rows["Đỗ Thị Gấm"] == ("same_answers",) and rows["Trần Văn An"] == ("fast",)
    assert rows["Bùi Văn Hải"] == ()


def test_cli_export_adds_winners_contacts_only_with_the_flag(app, runner, closed_round, tmp_path):
    with app.app_context():
        rnd = db.session.get(Round, closed_round)
        rnd.contest.prize_config = {"individual": {"first": 1, "second": 0, "third": 0, "consolation": 0}}
        for n, reg in enumerate(db.session.scalars(select(Registration).where(Registration.contest_id == rnd.contest_id)
                                                   .order_by(Registration.id))):
            reg.user.phone, reg.user.cccd = f"09330000{n:02d}", f"0010770000{n:02d}"
        db.session.commit()
    assert runner.invoke(args=["results", "compute", str(closed_round)]).exit_code == 0

    plain = tmp_path / "day-du.csv"
    out = runner.invoke(args=["results", "export", str(closed_round), str(plain)])
    assert out.exit_code == 0, out.output
    assert "Số điện thoại" not in csv_rows(plain.read_bytes())[0] and b"0933" not in plain.read_bytes()

    with_contacts = tmp_path / "lien-he.xlsx"
    out = runner.invoke(args=["results", "export", str(closed_round), str(with_contacts), "--contacts"])
    assert out.exit_code == 0, out.output
    assert "kèm liên hệ" in out.output and "0933" not in out.output  # the values are never echoed
    sheet = load_workbook(with_contacts).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in sheet.iter_rows(min_row=2)]
    assert [(r["Giải"], r["Số điện thoại"], r["Số CCCD"]) for r in rows] == [
        ("Giải Nhất", "0933000000", "001077000000"), (None, None, None)]

    out = runner.invoke(args=["results", "export", str(closed_round), str(tmp_path / "x.csv"), "--public", "--contacts"])
    assert out.exit_code != 0 and "không bao giờ có thông tin liên hệ" in out.output
