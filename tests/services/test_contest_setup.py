"""Setting up contests: create, question sets (practice never hands out the ranked key), rounds with guards, the
definition file (export, load, idempotent, all or nothing), copying for next year."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import func, select

from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import (
    Area,
    AttemptQuestion,
    AuditLog,
    Contest,
    ContestTopic,
    Question,
    QuestionOption,
    Round,
    StaffMembership,
    Topic,
    Unit,
)
from quizapp.services import attempts, contest_setup
from tests.factories import make_bank, make_contest, make_staff, register_contestant

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _settings(**kw) -> contest_setup.ContestSettings:
    base = dict(slug="cchc-thu", title="Cuộc thi thử", organizing_body="Sở Nội vụ tỉnh Thử", province_code="08")
    return contest_setup.ContestSettings(**(base | kw))


def test_an_admin_creates_a_contest_with_the_provinces_communes_and_the_national_core(db_session, now):
    make_bank(30)
    contest = contest_setup.create_contest(_settings(), make_staff("qtv", admin=True), now)
    assert contest.organizer_name == "Sở Nội vụ tỉnh Thử" and contest.province_code == "08"
    communes = db.session.scalar(select(func.count()).select_from(Area).where(Area.contest_id == contest.id,
                                                                             Area.level == "commune"))
    assert communes > 100 and contest.area_root.name == "Tuyên Quang"
    assert [t.code for t in contest.tracks] == ["officials", "citizens"]
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.contest_id == contest.id)) == "contest.create"


def test_an_organiser_creates_contests_only_for_their_own_body_and_becomes_their_organiser(db_session, now):
    first = make_contest(now)
    organiser = make_staff("btc", "organizer", [first])
    with pytest.raises(DomainError, match="chưa có trên hệ thống"):
        contest_setup.create_contest(_settings(organizing_body="Một cơ quan khác"), organiser, now)
    second = contest_setup.create_contest(_settings(organizing_body=first.organizer_name, province_code=""), organiser,
                                          now)
    assert db.session.scalar(select(StaffMembership.role).where(StaffMembership.contest_id == second.id,
                                                                StaffMembership.user_id == organiser.id)) == "organizer"
    unit = Unit(contest_id=first.id, code="U", name="U")
    db.session.add(unit)
    db.session.flush()
    moderator = make_staff("kd", "moderator", [first], unit=unit)
    with pytest.raises(DomainError):
        contest_setup.create_contest(_settings(slug="khac", organizing_body=first.organizer_name), moderator, now)


def test_bad_settings_get_a_vietnamese_message(db_session, now):
    make_contest(now, slug="da-co")
    for kw, text in (({"slug": "Có Dấu"}, "chữ thường không dấu"), ({"slug": "da-co"}, "đã được dùng"),
                     ({"title": " "}, "tên cuộc thi"), ({"tracks": []}, "ít nhất một bảng"),
                     ({"province_code": "99"}, "Không có tỉnh")):
        with pytest.raises(DomainError, match=text):
            contest_setup.create_contest(_settings(**kw), None, now)


def test_practice_draws_its_own_set_so_it_never_hands_out_the_ranked_key(db_session, now):
    make_bank(40, topics=("the-che", "chi-so"))
    contest = make_contest(now, question_count=5, attempts_allowed=None)
    weekly = contest.rounds[0]
    practice = Round(contest_id=contest.id, number=0, name="Thi thử", kind="practice", opens_at=now - timedelta(days=1),
                     closes_at=now + timedelta(days=30), question_count=5, attempts_allowed=None)
    db.session.add(practice)
    db.session.commit()
    topics = {t.slug: t.id for t in db.session.scalars(select(Topic))}
    contest_setup.set_question_sets(contest, {topics["the-che"]: "ranked", topics["chi-so"]: "practice"}, None, now)
    reg = register_contestant(contest, now)
    seen_in_practice = set()
    for i in range(6):  # a contestant who keeps practising to collect keys
        a = attempts.start_attempt(reg.id, practice.id, now + timedelta(minutes=i), rng=random.Random(i))
        seen_in_practice |= {aq.question_id for aq in a.questions}
        attempts.submit_attempt(a.id, reg.user_id, now + timedelta(minutes=i, seconds=30))
    ranked = attempts.start_attempt(reg.id, weekly.id, now + timedelta(hours=1))
    assert not seen_in_practice & {aq.question_id for aq in ranked.questions}
    assert {q.topic.slug for q in db.session.scalars(select(Question).where(Question.id.in_(seen_in_practice)))} == {
        "chi-so"}


def test_the_options_an_attempt_shows_reveal_nothing_about_the_bank(db_session, now):
    make_bank(30)
    contest = make_contest(now, question_count=5)
    reg = register_contestant(contest, now)
    a = attempts.start_attempt(reg.id, contest.rounds[0].id, now)
    view = attempts.view_attempt(a, now)
    bank_ids = set(db.session.scalars(select(QuestionOption.id)))
    for q in view.questions:
        assert [o.id for o in q.options] == [1, 2, 3, 4] and not {o.id for o in q.options} & (bank_ids - {1, 2, 3, 4})
    # The key is not always in the same place (the bank has it first). Over 8 attempts × 5 questions the chance
    # that a fair shuffle puts all 40 keys in one place is 4⁻³⁹: never, where 5 questions alone failed 1 run in 256.
    shown = list(a.questions)
    for n in range(2, 9):
        other = register_contestant(contest, now, n=n)
        shown += attempts.start_attempt(other.id, contest.rounds[0].id, now).questions
    correct_places = []
    for aq in shown:
        correct = db.session.scalar(select(QuestionOption.id).where(QuestionOption.question_id == aq.question_id,
                                                                    QuestionOption.is_correct))
        correct_places.append(aq.option_order.index(correct))
    assert len(correct_places) == 40 and len(set(correct_places)) > 1


def test_a_round_cannot_draw_a_topic_the_contest_does_not_use(db_session, now):
    make_bank(30)
    contest = make_contest(now, question_count=5)
    db.session.execute(ContestTopic.__table__.delete().where(ContestTopic.contest_id == contest.id))
    db.session.commit()
    topics = {t.slug: t.id for t in db.session.scalars(select(Topic))}
    contest_setup.set_question_sets(contest, {topics["the-che"]: "ranked"}, None, now)
    rnd = contest.rounds[0]
    s = contest_setup.RoundSettings(rnd.name, rnd.opens_at, rnd.closes_at, 5, 20, 3, "best", None, "",
                                    [{"topic": "chi-so", "count": 2}], False)
    with pytest.raises(DomainError, match="cuộc thi không dùng"):
        contest_setup.update_round(rnd.id, s, now)


def _definition(now) -> str:
    return """
format: quizapp-contest/1
slug: cchc-dong-hoa
title: Hội thi tìm hiểu cải cách hành chính
organizing_body: Phòng Nội vụ (thử)
group_level: district
categories:
  - {code: cb, label: "Cán bộ, công chức", track: officials, unit_required: true}
  - {code: dan, label: Người dân, track: citizens}
question_sets: {ranked: [the-che], practice: [chi-so]}
areas:
  tree:
    - {code: "54", name: Tỉnh Phú Yên, level: province}
    - {code: "558", name: Thị xã Đông Hòa, level: district, parent: "54", population: 120000}
    - {code: "22240", name: Phường Hòa Vinh, level: commune, parent: "558"}
    - {code: "22243", name: Xã Hòa Tân Đông, level: commune, parent: "558"}
units:
  - {code: PNV, name: Phòng Nội vụ, block: Khối phòng ban, area: "558", staff: 12}
rounds:
  - {number: 1, name: Tuần 1, opens: "2026-03-02 00:00", closes: "2026-03-08 24:00", questions: 5, minutes: 15,
      attempts: 2, counting: best, blueprint: [{topic: the-che, count: 2}]}
  - {number: 0, name: Thi thử, kind: practice, opens: "2026-03-01 00:00", closes: "2026-04-01 00:00", questions: 3}
"""


def test_a_definition_file_loads_a_whole_contest_and_loading_it_again_changes_nothing(db_session, now):
    make_bank(30)
    report = contest_setup.load_yaml(_definition(now), None, now, TZ)
    assert report.created
    c = report.contest
    assert c.group_level == "district" and [x["code"] for x in c.categories] == ["cb", "dan"]
    assert {a.code for a in db.session.scalars(select(Area).where(Area.contest_id == c.id))} == {
        "54", "558", "22240", "22243"}
    week = next(r for r in c.rounds if r.number == 1)
    assert week.closes_at == datetime(2026, 3, 8, 17, 0, tzinfo=UTC)  # 24:00 Sunday, Vietnam time
    again = contest_setup.load_yaml(_definition(now), None, now, TZ)
    assert not again.created and db.session.scalar(select(func.count()).select_from(Round)) == 2
    exported = contest_setup.export_yaml(c, TZ)
    assert "Phòng Nội vụ (thử)" in exported and "2026-03-09 00:00" in exported  # Vietnamese kept, local times
    data = yaml.safe_load(exported)
    assert data["question_sets"] == {"ranked": ["the-che"], "practice": ["chi-so"]}
    assert [u["code"] for u in data["units"]] == ["PNV"] and data["units"][0]["staff"] == 12


def test_a_bad_definition_file_says_where_and_writes_nothing(db_session, now):
    make_bank(30)
    bad = _definition(now).replace('closes: "2026-03-08 24:00"', 'closes: "2026-02-30 10:00"')
    with pytest.raises(DomainError, match=r"rounds\[1\].closes.*không có thật"):
        contest_setup.load_yaml(bad, None, now, TZ)
    with pytest.raises(DomainError, match="dòng"):
        contest_setup.load_yaml("format: [không đóng", None, now, TZ)
    unknown = _definition(now).replace("ranked: [the-che]", "ranked: [khong-co]")
    with pytest.raises(DomainError, match="khong-co"):
        contest_setup.load_yaml(unknown, None, now, TZ)
    assert db.session.scalar(select(func.count()).select_from(Contest)) == 0


def test_copying_a_contest_moves_its_rounds_and_keeps_its_places_without_its_people(db_session, now):
    make_bank(30)
    original = contest_setup.load_yaml(_definition(now), None, now, TZ).contest
    organiser = make_staff("btc", "organizer", [original])
    register_contestant(original, now)
    copy = contest_setup.copy_contest(original, "cchc-dong-hoa-2027", "Hội thi năm 2027",
                                      datetime(2027, 3, 1, 0, 0, tzinfo=TZ), organiser, now, TZ)
    assert not copy.is_published and copy.title == "Hội thi năm 2027"
    week = next(r for r in copy.rounds if r.number == 1)
    assert week.opens_at == datetime(2027, 3, 1, 0, 0, tzinfo=TZ)
    assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.contest_id == copy.id)) == 1
    assert db.session.scalar(select(StaffMembership.role).where(StaffMembership.contest_id == copy.id)) == "organizer"
    assert db.session.scalar(select(func.count()).select_from(AttemptQuestion)) == 0
    from quizapp.models import Registration

    assert db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.contest_id == copy.id)) == 0


def test_changing_a_round_somebody_took_needs_confirming_and_says_whom_it_touches(db_session, now):
    make_bank(30)
    contest = make_contest(now, question_count=5)
    rnd = contest.rounds[0]
    reg = register_contestant(contest, now)
    attempts.start_attempt(reg.id, rnd.id, now)
    s = contest_setup.RoundSettings(rnd.name, rnd.opens_at, rnd.closes_at + timedelta(days=2), 5,
                                    rnd.time_limit_seconds // 60, rnd.attempts_allowed, rnd.counting_rule, None, "",
                                    [], False)
    with pytest.raises(contest_setup.NeedsConfirmation) as e:
        contest_setup.update_round(rnd.id, s, now, tz=TZ)
    assert e.value.impact.contestants == 1 and "đóng lúc" in e.value.impact.changes[0]
    contest_setup.update_round(rnd.id, s, now, confirmed=True, tz=TZ)
    assert db.session.get(Round, rnd.id).closes_at == rnd.closes_at
