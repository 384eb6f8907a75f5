"""The live contest's rules: the state machine, the server's clock, the scoring rule and the tie-breaks."""
from datetime import UTC, datetime, timedelta

import pytest

from quizapp.domain import live
from quizapp.domain.live import BoardRow, LiveError, LiveSettings, LiveState, Scored

T0 = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
S = 20


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_session_goes_lobby_question_reveal_scoreboard_and_ends_on_the_final_board():
    s = LiveState(count=2)
    s = live.advance(s, at(0), S)
    assert (s.phase, s.position, s.closes_at) == (live.QUESTION, 0, at(20))
    s = live.advance(s, at(25), S)
    assert s.phase == live.REVEAL and s.closes_at == at(20)  # closing late keeps the server's deadline
    s = live.advance(s, at(30), S)
    assert s.phase == live.SCOREBOARD
    s = live.advance(s, at(40), S)
    assert (s.phase, s.position, s.opened_at) == (live.QUESTION, 1, at(40))
    s = live.advance(s, at(45), S)
    assert s.phase == live.REVEAL and s.closes_at == at(45)  # the host closes a question early
    s = live.advance(s, at(50), S)
    assert s.phase == live.FINAL
    with pytest.raises(LiveError, match="kết thúc"):
        live.advance(s, at(60), S)


def test_show_scoreboard_only_after_a_reveal():
    s = live.advance(LiveState(count=3), at(0), S)
    with pytest.raises(LiveError):
        live.show_scoreboard(s)
    assert live.show_scoreboard(live.advance(s, at(5), S)).phase == live.SCOREBOARD


def test_a_session_without_questions_cannot_start():
    with pytest.raises(LiveError, match="chưa có câu hỏi"):
        live.advance(LiveState(count=0), at(0), S)


def test_answers_are_accepted_only_while_the_current_question_is_open():
    s = live.advance(LiveState(count=2), at(0), S)
    live.check_answer(s, 0, at(19.9))
    with pytest.raises(LiveError, match="hết giờ"):
        live.check_answer(s, 0, at(20))
    with pytest.raises(LiveError, match="không còn nhận"):
        live.check_answer(s, 1, at(1))
    with pytest.raises(LiveError, match="không còn nhận"):
        live.check_answer(live.advance(s, at(5), S), 0, at(6))


def test_a_pause_stops_the_clock_and_the_pause_does_not_count_as_time_taken():
    s = live.advance(LiveState(count=1), at(0), S)
    s = live.pause(s, at(5))
    assert s.time_left_ms(at(100)) == 15_000
    with pytest.raises(LiveError, match="tạm dừng"):
        live.check_answer(s, 0, at(6))
    with pytest.raises(LiveError, match="tạm dừng"):
        live.advance(s, at(6), S)
    s = live.resume(s, at(65), S)
    assert s.closes_at == at(80)
    assert live.elapsed_ms(s, at(66)) == 6_000  # 5 s before the pause, 1 s after
    live.check_answer(s, 0, at(79))


def test_fixed_points_and_points_for_speed():
    assert live.points(live.FIXED, 1000, True, 19_000, 20_000) == 1000
    assert live.points(live.FIXED, 1000, False, 1, 20_000) == 0
    assert live.points(live.SPEED, 1000, True, 0, 20_000) == 1000
    assert live.points(live.SPEED, 1000, True, 10_000, 20_000) == 750
    assert live.points(live.SPEED, 1000, True, 20_000, 20_000) == 500
    assert live.points(live.SPEED, 1000, False, 0, 20_000) == 0


def _answers(*rows):
    return [Scored(pid, pos, ok, ms, 1000 if ok and pos < 3 else 0) for pid, pos, ok, ms in rows]


PLAYERS = [(1, "An", "Xã A"), (2, "Bình", "Xã A"), (3, "Chi", "Xã B")]


def test_equal_points_are_decided_by_the_total_time_of_correct_answers():
    answers = _answers((1, 0, True, 9000), (2, 0, True, 4000), (3, 0, False, 100), (3, 1, True, 100))
    rows = live.board(PLAYERS, answers, count=3)
    assert [(r.name, r.rank, r.correct_ms) for r in rows] == [("Chi", 1, 100), ("Bình", 2, 4000), ("An", 3, 9000)]
    assert not live.top_tied(rows)


def test_a_tie_left_after_time_is_shared_until_a_sudden_death_question_decides_it():
    answers = _answers((1, 0, True, 5000), (2, 0, True, 5000), (3, 0, False, 1))
    rows = live.board(PLAYERS, answers, count=3)
    assert [r.rank for r in rows] == [1, 1, 3] and live.top_tied(rows)
    # Sudden death (position 3): An wrong, Bình correct; it adds no points.
    answers += _answers((1, 3, False, 1000), (2, 3, True, 6000))
    rows = live.board(PLAYERS, answers, count=3, asked=1)
    assert [(r.name, r.rank, r.score) for r in rows] == [("Bình", 1, 1000), ("An", 2, 1000), ("Chi", 3, 0)]
    assert not live.top_tied(rows)


def test_on_a_sudden_death_question_both_correct_the_faster_wins():
    answers = _answers((1, 0, True, 5000), (2, 0, True, 5000), (1, 3, True, 3000), (2, 3, True, 2000))
    rows = live.board(PLAYERS[:2], answers, count=3, asked=1)
    assert [r.name for r in rows] == ["Bình", "An"] and [r.rank for r in rows] == [1, 2]


def test_teams_sum_their_members_and_the_best_member_answers_the_sudden_death():
    answers = _answers((1, 0, True, 5000), (2, 0, False, 1), (3, 0, True, 5000), (2, 3, True, 900), (3, 3, True, 1000))
    ind = live.board(PLAYERS, answers, count=3, asked=1)
    teams = live.team_board(ind, ["Xã A", "Xã B", "Xã C"], asked=1)
    assert [(t.name, t.rank, t.score, t.members) for t in teams] == [
        ("Xã A", 1, 1000, 2), ("Xã B", 2, 1000, 1), ("Xã C", 3, 0, 0)]


def test_option_counts_follow_the_order_shown():
    counts = live.option_counts([(7, "Một", False), (8, "Hai", True)], [8, 8, 7])
    assert [(c.letter, c.count, c.correct) for c in counts] == [("A", 1, False), ("B", 2, True)]


@pytest.mark.parametrize("settings, message", [
    (LiveSettings("", 20, live.FIXED), "tên phiên"),
    (LiveSettings("Chung kết", 3, live.FIXED), "từ 5 đến 300 giây"),
    (LiveSettings("Chung kết", 20, "lucky"), "Cách tính điểm"),
    (LiveSettings("Chung kết", 20, live.SPEED, team_mode=True, teams=["Xã A"]), "ít nhất hai đội"),
    (LiveSettings("Chung kết", 20, live.SPEED, team_mode=True, teams=["Xã A", "xã a"]), "trùng"),
    (LiveSettings("Chung kết", 20, live.SPEED, team_mode=True, teams=["Xã A", "X" * 121]), "tối đa 120 ký tự"),
])
def test_settings_that_cannot_run_are_refused_in_vietnamese(settings, message):
    with pytest.raises(LiveError, match=message):
        live.check_settings(settings)


def test_the_published_board_is_a_csv_excel_reads_with_vietnamese_headers():
    rows = live.rank_rows([BoardRow("1", "=Nguyễn Văn A", "Xã A", 1500, 2, 7300)])
    data = live.board_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Hạng,Họ và tên,Đội,Điểm,Số câu đúng,Tổng thời gian trả lời đúng (giây)"
    assert "1,'=Nguyễn Văn A,Xã A,1500,2,\"7,3\"\r\n" in text
