"""Review of entries: duplicates found and decided by an organiser, flags, disqualify/restore, the audit log."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import (
    Area,
    Attempt,
    AttemptQuestion,
    AuditLog,
    DuplicateCandidate,
    QuestionOption,
    Registration,
    ReviewFlag,
    Unit,
    User,
)
from quizapp.services import access, attempts, integrity
from tests.factories import make_bank, make_contest, make_staff, register_contestant


@pytest.fixture
def contest(db_session, now):
    make_bank(30)
    return make_contest(now, question_count=5, time_limit=600)


@pytest.fixture
def organizer(db_session, contest):
    return make_staff("btc", "organizer", [contest])


def _twins(contest, now):
    """One person registered twice: same name written without diacritics, same birth date, same commune."""
    a = register_contestant(contest, now, n=1, full_name="Nguyễn Văn Đức", birth_date=date(1990, 5, 17))
    b = register_contestant(contest, now + timedelta(minutes=3), n=4, full_name="nguyen van duc",
                            birth_date=date(1990, 5, 17))
    return a, b


def _correct(aq: AttemptQuestion) -> int:
    """The correct option's number as the attempt shows it."""
    return aq.option_order.index(db.session.scalar(select(QuestionOption.id).where(
        QuestionOption.question_id == aq.question_id, QuestionOption.is_correct))) + 1


def _finished_attempt(reg, rnd, now, seconds=300, right=5, wrong=0):
    """An attempt answered right on `right` questions, then wrong (the same wrong option for anyone) on `wrong`."""
    a = attempts.start_attempt(reg.id, rnd.id, now)
    by_question = sorted(a.questions, key=lambda aq: aq.question_id)
    for aq in by_question[:right]:
        attempts.save_answer(a.id, reg.user_id, aq.id, _correct(aq), now + timedelta(seconds=1))
    for aq in by_question[right:right + wrong]:
        wrong_ids = [o for o in aq.option_order if aq.option_order.index(o) + 1 != _correct(aq)]
        mistake = aq.option_order.index(min(wrong_ids)) + 1  # the same wrong option whoever answers
        attempts.save_answer(a.id, reg.user_id, aq.id, mistake, now + timedelta(seconds=2))
    attempts.submit_attempt(a.id, reg.user_id, now + timedelta(seconds=seconds))
    return a


# ---------------------------------------------------------------- duplicates


def test_scan_finds_one_person_registered_twice_and_a_second_scan_adds_nothing(contest, now):
    a, b = _twins(contest, now)
    register_contestant(contest, now, n=2)  # someone else
    first = integrity.scan(contest, now)
    assert first.duplicates == 1
    cand = db.session.scalar(select(DuplicateCandidate))
    assert (cand.registration_a_id, cand.registration_b_id, cand.status) == (a.id, b.id, "open")
    assert "Trùng họ tên và ngày sinh" in cand.reason and "cùng địa bàn" in cand.reason
    again = integrity.scan(contest, now + timedelta(hours=1))
    assert again.duplicates == 0 and sum(again.flags.values()) == 0
    assert db.session.scalar(select(func.count()).select_from(DuplicateCandidate)) == 1


def test_merge_keeps_one_entry_and_disqualifies_the_other_as_the_same_person(contest, now, organizer):
    a, b = _twins(contest, now)
    rnd = contest.rounds[0]
    counted = _finished_attempt(b, rnd, now)
    integrity.scan(contest, now)
    cand = db.session.scalar(select(DuplicateCandidate))
    integrity.merge(cand.id, a.id, organizer, now, "Cùng một người, đăng ký lại vì quên mật khẩu")
    db.session.expire_all()
    b = db.session.get(Registration, b.id)
    assert b.status == "disqualified" and b.status_reason.startswith("trùng người") and b.duplicate_of_id == a.id
    assert db.session.get(Registration, a.id).status == "active"
    assert db.session.get(Attempt, counted.id).disqualified  # its attempts never rank
    assert attempts.standing(b, rnd).counted_attempt_id is None
    assert db.session.get(DuplicateCandidate, cand.id).status == "merged"
    # nothing was deleted
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2
    assert db.session.get(User, b.user_id) is not None
    with pytest.raises(DomainError) as e:  # and it cannot start again
        attempts.start_attempt(b.id, rnd.id, now + timedelta(minutes=30))
    assert e.value.code == "disqualified"
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.merge"))
    assert log.actor_id == organizer.id and log.registration_id == b.id
    assert log.before["status"] == "active" and log.after["status"] == "disqualified"
    assert log.after["duplicate_of_id"] == a.id


def test_restore_undoes_a_merge_and_the_pair_goes_back_to_the_queue(contest, now, organizer):
    a, b = _twins(contest, now)
    rnd = contest.rounds[0]
    counted = _finished_attempt(b, rnd, now)
    integrity.scan(contest, now)
    cand = db.session.scalar(select(DuplicateCandidate))
    integrity.merge(cand.id, a.id, organizer, now)
    integrity.restore(b.id, organizer, now + timedelta(hours=1), "Hai người khác nhau, đã gọi điện xác minh")
    db.session.expire_all()
    b = db.session.get(Registration, b.id)
    assert (b.status, b.status_reason, b.duplicate_of_id) == ("active", "", None)
    assert not db.session.get(Attempt, counted.id).disqualified
    assert attempts.standing(b, rnd).counted_attempt_id == counted.id
    assert db.session.get(DuplicateCandidate, cand.id).status == "open"
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.restore"))
    assert log.reason == "Hai người khác nhau, đã gọi điện xác minh" and log.after["status"] == "active"


def test_clearing_a_pair_keeps_it_out_of_later_scans(contest, now, organizer):
    _twins(contest, now)
    integrity.scan(contest, now)
    cand = db.session.scalar(select(DuplicateCandidate))
    integrity.clear_duplicate(cand.id, organizer, now, "Hai anh em sinh đôi")
    integrity.scan(contest, now + timedelta(days=1))
    assert [c.status for c in db.session.scalars(select(DuplicateCandidate))] == ["cleared"]
    with pytest.raises(DomainError, match="đã được xử lý"):
        integrity.merge(cand.id, cand.registration_a_id, organizer, now)


def test_disqualifying_both_entries_of_a_pair(contest, now, organizer):
    a, b = _twins(contest, now)
    integrity.scan(contest, now)
    cand = db.session.scalar(select(DuplicateCandidate))
    with pytest.raises(DomainError, match="lý do"):
        integrity.disqualify_pair(cand.id, [a.id, b.id], organizer, now, "")
    integrity.disqualify_pair(cand.id, [a.id, b.id], organizer, now, "Khai thông tin của người khác")
    db.session.expire_all()
    assert {r.status for r in db.session.scalars(select(Registration))} == {"disqualified"}


# ---------------------------------------------------------------- disqualify / restore


def test_disqualify_needs_a_reason_and_an_organizer(contest, now, organizer):
    reg = register_contestant(contest, now)
    with pytest.raises(DomainError, match="lý do"):
        integrity.disqualify(reg.id, organizer, now, "  ")
    moderator = make_staff("kd", "moderator", [contest], area=db.session.get(Area, reg.area_id))
    with pytest.raises(DomainError) as e:
        integrity.disqualify(reg.id, moderator, now, "Gian lận")
    assert e.value.code == "forbidden"
    assert db.session.get(Registration, reg.id).status == "active"


def test_an_attempt_in_progress_when_disqualified_stays_out_of_ranking_after_it_is_finished(contest, now, organizer):
    reg = register_contestant(contest, now)
    rnd = contest.rounds[0]
    a = attempts.start_attempt(reg.id, rnd.id, now)
    integrity.disqualify(reg.id, organizer, now + timedelta(minutes=1), "Nhờ người khác thi hộ")
    attempts.submit_attempt(a.id, reg.user_id, now + timedelta(minutes=2))
    db.session.expire_all()
    assert db.session.get(Attempt, a.id).disqualified
    assert attempts.standing(reg, rnd).counted_attempt_id is None


# ---------------------------------------------------------------- flags


def test_an_implausibly_fast_perfect_attempt_is_flagged_once_and_can_be_cleared(contest, now, organizer):
    reg = register_contestant(contest, now)
    slow = register_contestant(contest, now, n=2)
    rnd = contest.rounds[0]
    fast = _finished_attempt(reg, rnd, now, seconds=8)  # 5 questions in 8 seconds, all right
    _finished_attempt(slow, rnd, now, seconds=240)
    assert integrity.scan(contest, now).flags["fast_attempt"] == 1
    assert integrity.scan(contest, now).flags["fast_attempt"] == 0
    (flag,) = db.session.scalars(select(ReviewFlag)).all()
    assert (flag.kind, flag.registration_id, flag.attempt_id) == ("fast_attempt", reg.id, fast.id)
    assert "5 câu trong 8 giây" in flag.detail
    assert db.session.get(Registration, reg.id).status == "active"  # a flag is never a ban
    integrity.resolve_flag(flag.id, "clear", organizer, now, "Người này thi lại lần 3, đã thuộc đáp án")
    assert db.session.get(ReviewFlag, flag.id).status == "cleared"
    assert integrity.scan(contest, now).flags["fast_attempt"] == 0
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action.like("flag.%"))) == "flag.clear"


def test_many_accounts_registered_from_one_device_within_minutes_are_flagged(contest, now):
    regs = [register_contestant(contest, now + timedelta(minutes=i * 4), n=i, device_id="may-tinh-1")
            for i in range(1, 4)]
    register_contestant(contest, now, n=9, device_id="dien-thoai-2")
    report = integrity.scan(contest, now + timedelta(hours=1))
    assert report.flags["same_device"] == 3
    flagged = set(db.session.scalars(select(ReviewFlag.registration_id).where(ReviewFlag.kind == "same_device")))
    assert flagged == {r.id for r in regs}
    assert "3 tài khoản được đăng ký từ cùng một thiết bị" in db.session.scalar(select(ReviewFlag.detail))


def test_identical_answers_with_near_identical_timing_are_flagged_as_a_pair(db_session, now):
    make_bank(5)  # every attempt draws the same five questions
    contest = make_contest(now, question_count=5, time_limit=600)
    rnd = contest.rounds[0]
    one, two, three, four, five = (register_contestant(contest, now, n=n) for n in (1, 2, 3, 4, 5))
    a1 = _finished_attempt(one, rnd, now, seconds=200, right=3, wrong=2)
    a2 = _finished_attempt(two, rnd, now + timedelta(seconds=30), seconds=195, right=3, wrong=2)
    _finished_attempt(three, rnd, now + timedelta(hours=2), seconds=200, right=3, wrong=2)  # hours later
    _finished_attempt(four, rnd, now + timedelta(hours=5), seconds=200)  # two people simply both right
    _finished_attempt(five, rnd, now + timedelta(hours=5, seconds=20), seconds=205)
    assert integrity.scan(contest, now + timedelta(hours=6)).flags["same_answers"] == 1
    flag = db.session.scalar(select(ReviewFlag).where(ReviewFlag.kind == "same_answers"))
    assert {flag.attempt_id, flag.other_attempt_id} == {a1.id, a2.id}
    assert {flag.registration_id, flag.other_registration_id} == {one.id, two.id}
    assert "cùng sai 2 câu" in flag.detail


# ---------------------------------------------------------------- moderators see their own unit


def test_a_unit_moderator_sees_only_entries_of_their_unit(contest, now):
    unit_a = Unit(contest_id=contest.id, code="SNV", name="Sở Nội vụ")
    unit_b = Unit(contest_id=contest.id, code="STP", name="Sở Tư pháp")
    db.session.add_all([unit_a, unit_b])
    db.session.commit()
    mine = [register_contestant(contest, now + timedelta(minutes=i), n=i, category="official", unit_id=unit_a.id,
                                device_id="chung") for i in (1, 2)]
    theirs = register_contestant(contest, now + timedelta(minutes=3), n=3, category="official", unit_id=unit_b.id,
                                 device_id="chung")
    integrity.scan(contest, now + timedelta(hours=1))
    moderator = access.for_contest(make_staff("kd", "moderator", [contest], unit=unit_a), contest)
    rows, total = integrity.flag_list(contest, moderator)
    assert total == 2 and {f.registration_id for f in rows} == {r.id for r in mine}
    assert integrity.visible_registration(moderator, theirs.id) is None
    assert integrity.visible_registration(moderator, mine[0].id) is not None
    other_contest = make_contest(now, slug="khac")
    outsider = make_staff("kd2", "organizer", [other_contest])
    assert access.for_contest(outsider, contest) is None  # staff of another contest see nothing of this one
    assert integrity.flag_list(contest, access.for_contest(outsider, contest))[1] == 0
