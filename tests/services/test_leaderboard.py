"""Leaderboards kept as attempts finish: always equal to ranking every attempt again from scratch."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from quizapp.domain import ranking
from quizapp.domain.counting import pick_entry
from quizapp.extensions import db
from quizapp.models import Attempt, ContestEntry, ContestTopic, CountedEntry, Registration
from quizapp.services import leaderboard
from tests.factories import link_topics
from tests.results_factories import add_round, all_entries, make_world


def board_ids(contest, now, **kw):
    return [r.registration_id for r in leaderboard.board(contest, now, limit=200, **kw).rows]


def expected(rnd, registrations, keep=lambda reg: True):
    """The domain's ranking of every attempt of the round, restricted to some contestants."""
    by_id = {r.id: r for r in registrations}
    ranked = ranking.rank_round(all_entries(rnd), rnd.counting_rule, rnd.prediction_mode)
    return [r.entry.contestant_id for r in ranked if keep(by_id[r.entry.contestant_id])]


def play(world, regs, rng, rounds=None):
    """Up to three attempts each, with scores, times and predictions that collide often."""
    for rnd in rounds or [world.round]:
        for i, reg in enumerate(regs):
            for k in range(rng.randint(1, 3)):
                world.attempt(reg, 30 * k + i, rng.randint(2, 5), seconds=rng.choice([60, 60, 90, 200]),
                              prediction=rng.choice([None, 1, 3, 5, 8]), rnd=rnd)


@pytest.mark.parametrize("rule", ["best", "first", "last", "earliest_perfect"])
def test_boards_equal_a_full_recomputation_under_every_counting_rule(db_session, now, rule):
    world = make_world(now, counting_rule=rule)
    regs = world.people(8, "citizens") + world.people(6, "officials", unit=0) + world.people(4, "officials", unit=1)
    play(world, regs, random.Random(rule))
    contest, rnd = world.contest, world.round

    for track in contest.tracks:
        want = expected(rnd, regs, lambda reg, track=track: reg.track_id == track.id)
        assert board_ids(contest, now, round_id=rnd.id, track_code=track.code) == want
        for reg_id in want:  # each contestant's own place says the same
            reg = db.session.get(Registration, reg_id)
            mine = leaderboard.standing(contest, reg.user_id, now, round_id=rnd.id)
            assert mine.places[0].rank == want.index(reg_id) + 1 and mine.places[0].of == len(want)
    for district in world.districts:
        want = expected(rnd, regs, lambda reg, district=district: reg.track.code == "citizens" and
                        reg.area.parent_id == district.id)
        assert board_ids(contest, now, round_id=rnd.id, track_code="citizens", area_id=district.id) == want
    want = expected(rnd, regs, lambda reg: reg.unit_id == world.units[0].id)
    assert board_ids(contest, now, round_id=rnd.id, track_code="officials", unit_id=world.units[0].id) == want
    assert leaderboard.rebuild_round(rnd.id) == 0, "the kept aggregates had drifted from the attempts"


def test_pages_of_a_board_are_slices_of_the_whole_ranking(db_session, now):
    world = make_world(now)
    regs = world.people(23)
    play(world, regs, random.Random(5))
    want = expected(world.round, regs)
    for offset in (0, 4, 9, 17, 22, 30):
        page = leaderboard.board(world.contest, now, round_id=world.round.id, track_code="citizens", limit=5,
                                 offset=offset)
        assert [r.registration_id for r in page.rows] == want[offset:offset + 5]
        assert [r.rank for r in page.rows] == list(range(offset + 1, offset + 1 + len(page.rows)))
        assert page.total == len(want)


def test_ties_go_to_the_closer_prediction_then_less_time_then_earlier_submission_then_attempt(db_session, now):
    world = make_world(now, question_count=3)
    perfect = world.people(3, names=["Lê Văn Một", "Lê Văn Hai", "Lê Văn Ba"])
    for i, reg in enumerate(perfect):  # three perfect scores: the prediction answer is 3
        world.attempt(reg, i, 3, seconds=50 + i, prediction=3)
    above, below, slower, later, twin_a, twin_b = world.people(6)
    world.attempt(above, 10, 2, seconds=100, prediction=5)  # 2 away, above
    world.attempt(below, 11, 2, seconds=100, prediction=1)  # 2 away, below: same error, submitted later
    world.attempt(slower, 0, 2, seconds=101, prediction=3)  # exact, but slower than the twins
    world.attempt(later, 20, 2, seconds=100, prediction=3)  # exact, as fast, submitted after the twins
    world.attempt(twin_a, 5, 2, seconds=100, prediction=3)  # exactly the same as twin_b...
    world.attempt(twin_b, 5, 2, seconds=100, prediction=3)  # ...whose attempt was made second
    got = board_ids(world.contest, now, round_id=world.round.id, track_code="citizens")
    assert got[:3] == [r.id for r in perfect]
    assert got[3:] == [twin_a.id, twin_b.id, later.id, slower.id, above.id, below.id]
    assert got == expected(world.round, perfect + [above, below, slower, later, twin_a, twin_b])


def test_contestant_without_prediction_ranks_after_every_prediction_at_the_same_score(db_session, now):
    world = make_world(now, question_count=3)
    silent, wild = world.people(2)
    world.attempt(silent, 0, 2, seconds=10, prediction=None)
    world.attempt(wild, 1, 2, seconds=500, prediction=90_000)
    assert board_ids(world.contest, now, round_id=world.round.id, track_code="citizens") == [wild.id, silent.id]
    mine = leaderboard.standing(world.contest, silent.user_id, now, round_id=world.round.id)
    assert mine.places[0].rank == 2


def test_a_voided_attempt_stops_counting_and_the_next_best_one_counts(db_session, now):
    world = make_world(now)
    lan, minh = world.people(2)
    best = world.attempt(lan, 0, 5, seconds=60)
    world.attempt(lan, 30, 3, seconds=60)
    world.attempt(minh, 10, 4, seconds=60)
    assert board_ids(world.contest, now, round_id=world.round.id, track_code="citizens") == [lan.id, minh.id]

    db.session.get(Attempt, best.attempt_id).disqualified = True
    db.session.commit()
    assert board_ids(world.contest, now, round_id=world.round.id, track_code="citizens") == [minh.id, lan.id]
    entry = db.session.scalar(select(CountedEntry).where(CountedEntry.registration_id == lan.id))
    assert entry.correct == 3 and entry.attempts == 1
    assert leaderboard.prediction_actual(world.round) == 0  # the only perfect score was voided
    assert leaderboard.rebuild_round(world.round.id) == 0


def test_a_disqualified_contestant_leaves_every_board_table_and_count(db_session, now):
    world = make_world(now)
    cheat, honest = world.people(2, "officials", unit=0)
    world.attempt(cheat, 0, 5, seconds=20)
    world.attempt(honest, 5, 4, seconds=60)
    cheat.status = "disqualified"
    db.session.commit()

    contest, rnd = world.contest, world.round
    assert board_ids(contest, now, round_id=rnd.id, track_code="officials") == [honest.id]
    assert board_ids(contest, now, track_code="officials") == [honest.id]  # across the contest too
    [unit_a] = [r for r in leaderboard.unit_table(contest, now, round_id=rnd.id, staff=True).rows if r.code == "SA"]
    assert (unit_a.registered, unit_a.participants, unit_a.perfect) == (1, 1, 0)
    assert leaderboard.prediction_actual(rnd) == 0
    mine = leaderboard.standing(contest, cheat.user_id, now, round_id=rnd.id)
    assert mine.disqualified and not mine.ranked and mine.places == []
    assert leaderboard.standing(contest, honest.user_id, now, round_id=rnd.id).places[0].rank == 1
    assert leaderboard.rebuild_round(rnd.id) == 0


def test_moving_to_another_unit_moves_the_entry_between_unit_boards(db_session, now):
    world = make_world(now)
    [reg] = world.people(1, "officials", unit=0)
    world.attempt(reg, 0, 4)
    reg.unit_id = world.units[1].id
    db.session.commit()
    kw = {"round_id": world.round.id, "track_code": "officials"}
    assert board_ids(world.contest, now, unit_id=world.units[0].id, **kw) == []
    assert board_ids(world.contest, now, unit_id=world.units[1].id, **kw) == [reg.id]


def test_places_within_the_district_and_the_unit(db_session, now):
    world = make_world(now)
    east = world.people(3, "officials", unit=0, area=0)  # communes 0 and 1 are in the eastern district
    west = world.people(2, "officials", unit=1, area=2)
    for i, reg in enumerate(east + west):
        world.attempt(reg, i, 5 - i, seconds=60)  # east[0] best ... west[1] worst
    mine = leaderboard.standing(world.contest, west[0].user_id, now, round_id=world.round.id)
    assert [(p.scope, p.label, p.rank, p.of) for p in mine.places] == [
        ("track", "Cán bộ, công chức, viên chức", 4, 5), ("area", "Huyện Tây", 1, 2), ("unit", "Sở B", 1, 2)]


def test_grouping_by_commune_in_a_two_level_tree(db_session, now):
    world = make_world(now, group_level="commune")
    a, b = world.people(2, area=1)
    world.attempt(a, 0, 3)
    world.attempt(b, 1, 4)
    areas = leaderboard.area_table(world.contest, now, round_id=world.round.id)
    assert [r.name for r in areas.rows if r.participants] == ["Xã Bình Minh"]
    assert board_ids(world.contest, now, round_id=world.round.id, track_code="citizens",
                     area_id=world.communes[1].id) == [b.id, a.id]


def test_unit_table_ranks_by_participation_rate_and_excludes_units_under_the_minimum(db_session, now):
    world = make_world(now)
    a = world.people(3, "officials", unit=0)  # 3 of 4 staff: 75%
    b = world.people(4, "officials", unit=1)  # 4 registered, 2 take part, of 10 staff: 20%
    c = world.people(1, "officials", unit=2)  # 1 of 2 staff: 50%
    for i, reg in enumerate(a + b[:2] + c):
        world.attempt(reg, i, 5 if reg in c else 3)
    table = leaderboard.unit_table(world.contest, now, round_id=world.round.id, staff=True)
    blocks = {block: rows for block, rows in table.blocks}
    assert [(r.code, r.rank) for r in blocks["Khối sở"]] == [("SA", 1), ("SB", None)]
    sb = blocks["Khối sở"][1]
    assert (sb.registered, sb.participants, sb.rate) == (4, 2, 0.2)
    assert sb.excluded_reason == "Tỷ lệ tham gia 20%, thấp hơn mức tối thiểu 50%."
    uc = blocks["Khối xã"][0]
    assert (uc.rank, uc.rate, uc.mean_score, uc.perfect) == (1, 0.5, 100.0, 1)


def test_area_table_lists_every_district_even_without_participants(db_session, now):
    world = make_world(now)
    world.districts[0].population = 40
    db.session.commit()
    regs = world.people(2, area=0)
    world.attempt(regs[0], 0, 5)
    rows = {r.name: r for r in leaderboard.area_table(world.contest, now, round_id=world.round.id, staff=True).rows}
    assert set(rows) == {"Huyện Đông", "Huyện Tây"}
    east, west = rows["Huyện Đông"], rows["Huyện Tây"]
    assert (east.registered, east.participants, east.rate, east.rank) == (2, 1, 0.025, 1)
    assert (west.participants, west.rate, west.rank) == (0, None, None)
    assert "số dân" in west.excluded_reason


def test_the_running_perfect_count_is_hidden_from_the_public_while_the_round_asks_for_it(db_session, now):
    world = make_world(now)
    [reg] = world.people(1, "officials", unit=0)
    world.attempt(reg, 0, 5)
    rnd = world.round
    public = leaderboard.unit_table(world.contest, now, round_id=rnd.id)
    assert public.perfect_hidden and all(r.perfect is None for r in public.rows)
    assert leaderboard.board(world.contest, now, round_id=rnd.id, track_code="officials").prediction_actual is None
    after = world.after_close()
    assert leaderboard.unit_table(world.contest, after, round_id=rnd.id).rows[0].perfect == 1
    closed_board = leaderboard.board(world.contest, after, round_id=rnd.id, track_code="officials")
    assert closed_board.prediction_actual == 1 and closed_board.rows[0].prediction_error == 2


def test_contest_board_adds_up_the_counted_entries_of_every_round(db_session, now):
    world = make_world(now)
    week2 = add_round(world)
    regs = world.people(6)
    play(world, regs, random.Random(11), rounds=[world.round, week2])
    later = week2.closes_at + timedelta(days=1)

    totals = []
    for reg in regs:
        picked = [pick_entry([e for e in all_entries(rnd) if e.contestant_id == reg.id], rnd.counting_rule)
                  for rnd in (world.round, week2)]
        total = ranking.contest_total(reg.id, [e for e in picked if e is not None])
        if total:
            totals.append(total)
    want = [t.total.contestant_id for t in ranking.rank_contest(totals)]
    assert board_ids(world.contest, later, track_code="citizens") == want
    first = leaderboard.board(world.contest, later, track_code="citizens").rows[0]
    assert first.rounds == 2 and first.correct == ranking.rank_contest(totals)[0].total.correct
    mine = leaderboard.standing(world.contest, regs[0].user_id, later)
    assert mine.places[0].rank == want.index(regs[0].id) + 1
    assert db.session.scalar(select(ContestEntry.rounds).where(ContestEntry.registration_id == regs[0].id)) == 2


def test_practice_rounds_are_never_ranked(db_session, now):
    world = make_world(now, attempts_allowed=None)
    world.round.kind = "practice"
    db.session.commit()
    link_topics(world.contest, "practice", ["chi-so"])
    db.session.execute(update(ContestTopic).where(ContestTopic.contest_id == world.contest.id).values(use="practice"))
    db.session.commit()
    [reg] = world.people(1)
    world.attempt(reg, 0, 5)
    assert db.session.scalar(select(CountedEntry.id)) is None
    with pytest.raises(Exception, match="thi thử"):
        leaderboard.board(world.contest, now, round_id=world.round.id)


def test_a_contestant_with_attempts_but_no_counted_one_takes_part_without_a_place(db_session, now):
    world = make_world(now, counting_rule="earliest_perfect")
    [reg] = world.people(1, "officials", unit=0)
    world.attempt(reg, 0, 3)
    mine = leaderboard.standing(world.contest, reg.user_id, now, round_id=world.round.id)
    assert mine.participated and not mine.ranked and mine.attempts == 1
    [unit_a] = [r for r in leaderboard.unit_table(world.contest, now, round_id=world.round.id).rows if r.code == "SA"]
    assert unit_a.participants == 1 and unit_a.mean_score is None
    assert board_ids(world.contest, now, round_id=world.round.id, track_code="officials") == []


def test_changing_the_counting_rule_recounts_the_round(db_session, now):
    world = make_world(now, counting_rule="best")
    [reg] = world.people(1)
    world.attempt(reg, 0, 5)
    world.attempt(reg, 30, 2)
    world.round.counting_rule = "last"
    db.session.commit()
    assert db.session.scalar(select(CountedEntry.correct)) == 2


def test_public_boards_may_lag_a_few_seconds_but_never_a_contestants_own_place(app, db_session, now, monkeypatch):
    monkeypatch.setitem(app.config, "LEADERBOARD_CACHE_SECONDS", 60)
    leaderboard.shared.clear()
    try:
        world = make_world(now)
        first, second, late = world.people(3)
        world.attempt(first, 0, 4)
        world.attempt(second, 1, 3)
        kw = {"round_id": world.round.id, "track_code": "citizens"}
        assert board_ids(world.contest, now, **kw) == [first.id, second.id]

        world.attempt(late, 2, 5)  # the new leader
        assert board_ids(world.contest, now, **kw) == [first.id, second.id]  # the shared page, still cached
        mine = leaderboard.standing(world.contest, late.user_id, now, round_id=world.round.id)
        assert mine.ranked and mine.places[0].rank == 1  # computed for them, now

        first.status = "disqualified"  # not grading: the cache is emptied at once
        db.session.commit()
        assert board_ids(world.contest, now, **kw) == [late.id, second.id]
    finally:
        leaderboard.shared.clear()
