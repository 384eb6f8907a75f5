"""Certificates: codes given at publication, verification (current or replaced), the PDF, the contestant's history."""
import io
import unicodedata
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from quizapp.domain import certificates as words
from quizapp.extensions import db
from quizapp.models import ResultEntry
from quizapp.services import certificates, results
from tests.factories import register_contestant
from tests.results_factories import make_world


def _publish(world, when, reason=""):
    draft = results.compute(world.round.id, when)
    return results.publish(results.approve(draft.id, when).id, when, reason=reason)


@pytest.fixture
def played(db_session, now):
    """A closed round: an official of Sở A wins, a citizen of a commune takes part; results published once."""
    world = make_world(now)
    official = register_contestant(world.contest, now, n=3, full_name="Đỗ Thị Gấm", category="official",
                                   unit_id=world.units[0].id, birth_date=date(1988, 7, 9), gender="nu")
    citizens = [register_contestant(world.contest, now, n=4 + i, full_name=name)
                for i, name in enumerate(["Nguyễn Văn Tường", "Lê Văn Hậu", "Trần Thị Yến", "Phạm Văn Khải",
                                          "Vũ Thị Oanh"])]
    world.attempt(official, 0, 5, seconds=200)
    for i, reg in enumerate(citizens):
        world.attempt(reg, 1 + i, 4 - min(i, 3), seconds=100 + i)
    result = _publish(world, world.after_close())
    return world, official, citizens, result


def _entry(result, reg) -> ResultEntry:
    return db.session.scalar(select(ResultEntry).where(ResultEntry.result_set_id == result.id,
                                                       ResultEntry.registration_id == reg.id))


def test_publishing_gives_every_ranked_contestant_a_stable_code_that_does_not_reveal_who_they_are(played, app):
    world, official, citizens, result = played
    entries = list(db.session.scalars(select(ResultEntry).where(ResultEntry.result_set_id == result.id)))
    assert len(entries) == 6 and len({e.certificate_code for e in entries}) == 6
    for e in entries:
        assert e.certificate_code == words.make_code(app.config["SECRET_KEY"], result.id, result.version,
                                                     e.registration_id)
        assert e.certificate_code != words.make_code("a guess", result.id, result.version, e.registration_id)
    cert = certificates.current(official.user_id, world.round.id)
    assert cert.code == _entry(result, official).certificate_code
    assert certificates.current(official.user_id, world.round.id).code == cert.code  # asked again: the same
    assert results.assign_certificate_codes(result) == 0


def test_a_winner_gets_a_prize_certificate_and_the_others_one_of_participation(played):
    world, official, citizens, _ = played
    won = certificates.current(official.user_id, world.round.id)
    assert won.prize == "first" and won.outcome == "Giải Nhất" and won.place == "Sở A"
    assert won.place_label == "Đơn vị công tác"
    last = certificates.current(citizens[-1].user_id, world.round.id)
    assert last.prize is None and last.outcome == "Đã tham gia"
    assert last.place_label == "Xã, phường" and last.place.startswith("Xã")


def test_no_certificate_before_publication_or_for_someone_not_ranked(db_session, now):
    world = make_world(now)
    reg = register_contestant(world.contest, now, n=3)
    world.attempt(reg, 0, 3)
    results.compute(world.round.id, world.after_close())
    assert certificates.current(reg.user_id, world.round.id) is None
    outsider = register_contestant(world.contest, now, n=4)
    draft = results.open_version(world.round.id)
    results.publish(results.approve(draft.id, world.after_close()).id, world.after_close())
    assert certificates.current(reg.user_id, world.round.id) is not None
    assert certificates.current(outsider.user_id, world.round.id) is None


def test_a_code_verifies_however_it_is_typed_and_an_unknown_one_does_not(played):
    world, official, _, _ = played
    cert = certificates.current(official.user_id, world.round.id)
    found = certificates.verify(cert.display_code.lower())
    assert found.is_current and found.certificate.full_name == "Đỗ Thị Gấm"
    assert found.certificate.outcome == "Giải Nhất" and found.current_version is None
    for wrong in ("ABCDEFGHIJKL", "", "not a code", cert.code[:-1]):
        with pytest.raises(certificates.CertificateError) as e:
            certificates.verify(wrong)
        assert e.value.code == "not_found" and "Không tìm thấy giấy chứng nhận" in e.value.message


def test_a_corrected_version_brings_new_codes_and_the_old_ones_say_they_were_replaced(played):
    world, official, citizens, first = played
    old_win = certificates.current(official.user_id, world.round.id)
    old_last = certificates.current(citizens[-1].user_id, world.round.id)
    later = world.after_close() + timedelta(days=1)
    from quizapp.services import integrity

    integrity.disqualify(citizens[-1].id, None, later, "Trùng người")
    second = _publish(world, later, reason="Loại một bài thi trùng người.")
    new_win = certificates.current(official.user_id, world.round.id)
    assert new_win.version == 2 and new_win.code != old_win.code and new_win.is_current

    replaced = certificates.verify(old_win.code)
    assert not replaced.is_current and replaced.certificate.version == 1
    assert replaced.current_version == second.version == 2 and replaced.current_outcome == "Giải Nhất"
    gone = certificates.verify(old_last.code)
    assert gone.current_version == 2 and gone.current_outcome is None
    assert certificates.current(citizens[-1].user_id, world.round.id) is None

    assert certificates.for_owner(old_win.code, official.user_id).code == new_win.code  # the current one
    with pytest.raises(certificates.CertificateError):
        certificates.for_owner(old_last.code, citizens[-1].user_id)


def test_only_the_owner_gets_the_certificate_to_download(played):
    world, official, citizens, _ = played
    code = certificates.current(official.user_id, world.round.id).code
    assert certificates.for_owner(code, official.user_id).full_name == "Đỗ Thị Gấm"
    with pytest.raises(certificates.CertificateError) as e:
        certificates.for_owner(code, citizens[0].user_id)
    assert e.value.code == "not_found"


def test_a_version_published_before_certificates_gets_its_codes_when_first_asked(played):
    world, official, _, result = played
    db.session.execute(update(ResultEntry).where(ResultEntry.result_set_id == result.id).values(certificate_code=None))
    db.session.commit()
    cert = certificates.current(official.user_id, world.round.id)
    assert cert.code and certificates.verify(cert.code).is_current
    assert db.session.scalar(select(ResultEntry.id).where(ResultEntry.result_set_id == result.id,
                                                          ResultEntry.certificate_code.is_(None))) is None


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert unicodedata.is_normalized("NFC", text)  # Vietnamese as typed, not letters and loose accents
    return reader, text


def test_the_pdf_is_one_a4_landscape_page_with_the_name_the_prize_and_the_code_and_no_personal_data(played):
    world, official, _, _ = played
    cert = certificates.current(official.user_id, world.round.id)
    url = f"https://thi.example.vn/chung-nhan/{cert.code}"
    reader, text = pdf_text(certificates.render_pdf(cert, url, results.display_tz()))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, in points
    for want in ("GIẤY CHỨNG NHẬN", "Đỗ Thị Gấm", "Sở A", "Giải Nhất", cert.display_code, url,
                 world.contest.title, world.round.name, world.contest.organizer_name.upper(), "5/5"):
        assert want in text, want
    user = official.user
    for secret in (user.cccd, user.phone, "1988", "09/07"):
        assert secret not in text
    assert "Đã tham gia" not in text


def test_a_participation_certificate_says_so(played):
    world, _, citizens, _ = played
    cert = certificates.current(citizens[-1].user_id, world.round.id)
    _, text = pdf_text(certificates.render_pdf(cert, "http://localhost/chung-nhan/x", results.display_tz()))
    assert "Đã tham gia" in text and "Vũ Thị Oanh" in text and "Giải" not in text


def test_history_lists_every_contest_and_finished_attempt_with_the_certificate(played, now):
    world, official, _, _ = played
    world.attempt(official, 30, 2, seconds=50)
    [contest] = certificates.history(official.user_id)
    assert contest.contest.id == world.contest.id
    [rnd] = contest.rounds
    assert [a.number for a in rnd.attempts] == [1, 2] and [a.correct for a in rnd.attempts] == [5, 2]
    assert rnd.published and rnd.certificate.outcome == "Giải Nhất"
    assert certificates.history(10_000) == []
