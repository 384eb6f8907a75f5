"""The live contest's services: one answer per question, nothing after the question closes, the scoring rule
chosen beforehand, tie-breaks, staff scoping, and the published board with its SHA-256."""
import hashlib
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from quizapp.domain import live as rules
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import LiveAnswer
from quizapp.services import live, live_push
from tests.factories import make_contest, make_staff
from tests.live_factories import (
    correct_option,
    fresh_live_state,  # noqa: F401  (an autouse fixture)
    make_live,
    wrong_option,
)


def step(s, action, now, host):
    return live.control(s.id, action, now, host)


def test_a_player_answers_once_and_a_second_answer_is_refused(db_session, now):
    s, host = make_live(now)
    p, _ = live.join(s.join_code, "Nguyễn Văn An", "", now)
    step(s, "next", now, host)
    live.answer(s, p, 0, wrong_option(s, 0), now + timedelta(seconds=2))
    with pytest.raises(DomainError, match="chỉ được trả lời một lần"):
        live.answer(s, p, 0, correct_option(s, 0), now + timedelta(seconds=3))
    assert [a.correct for a in db.session.scalars(select(LiveAnswer))] == [False]


def test_an_answer_after_the_question_closes_is_refused(db_session, now):
    s, host = make_live(now, seconds=10)
    p, _ = live.join(s.join_code, "Trần Thị Bình", "", now)
    step(s, "next", now, host)
    with pytest.raises(DomainError, match="hết giờ"):
        live.answer(s, p, 0, correct_option(s, 0), now + timedelta(seconds=10))
    step(s, "next", now + timedelta(seconds=4), host)  # the host reveals early: closed too
    with pytest.raises(DomainError, match="không còn nhận"):
        live.answer(s, p, 0, correct_option(s, 0), now + timedelta(seconds=5))
    assert db.session.scalar(select(LiveAnswer.id)) is None


def test_points_for_speed_use_the_server_clock(db_session, now):
    s, host = make_live(now, rule=rules.SPEED, seconds=20)
    fast, _ = live.join(s.join_code, "Nhanh", "", now)
    slow, _ = live.join(s.join_code, "Chậm", "", now)
    step(s, "next", now, host)
    a = live.answer(s, fast, 0, correct_option(s, 0), now + timedelta(seconds=0))
    b = live.answer(s, slow, 0, correct_option(s, 0), now + timedelta(seconds=10))
    assert (a.points, b.points) == (1000, 750)
    assert b.elapsed_ms == 10_000


def test_fixed_points_and_the_tie_broken_by_the_time_of_correct_answers(db_session, now):
    s, host = make_live(now, rule=rules.FIXED, count=1)
    an, _ = live.join(s.join_code, "An", "", now)
    binh, _ = live.join(s.join_code, "Bình", "", now)
    step(s, "next", now, host)
    live.answer(s, an, 0, correct_option(s, 0), now + timedelta(seconds=8))
    live.answer(s, binh, 0, correct_option(s, 0), now + timedelta(seconds=3))
    step(s, "next", now + timedelta(seconds=9), host)
    step(s, "next", now + timedelta(seconds=12), host)
    assert s.phase == rules.FINAL
    state = live.public_state(s)
    assert [(r["name"], r["rank"], r["score"]) for r in state["board"]] == [("Bình", 1, 1000), ("An", 2, 1000)]
    assert not state["tied"]


def test_a_full_tie_is_shared_until_the_host_asks_a_sudden_death_question(db_session, now):
    s, host = make_live(now, count=1, tiebreaks=1)
    an, _ = live.join(s.join_code, "An", "", now)
    binh, _ = live.join(s.join_code, "Bình", "", now)
    step(s, "next", now, host)
    for p in (an, binh):
        live.answer(s, p, 0, correct_option(s, 0), now + timedelta(seconds=5))
    step(s, "next", now + timedelta(seconds=6), host)
    step(s, "next", now + timedelta(seconds=7), host)
    state = live.public_state(s)
    assert [r["rank"] for r in state["board"]] == [1, 1] and state["tied"] and state["tiebreaks_left"] == 1
    t = now + timedelta(seconds=30)
    step(s, "sudden_death", t, host)
    assert live.public_state(s)["sudden"]
    live.answer(s, an, 1, wrong_option(s, 1), t + timedelta(seconds=1))
    live.answer(s, binh, 1, correct_option(s, 1), t + timedelta(seconds=4))
    step(s, "next", t + timedelta(seconds=5), host)
    step(s, "next", t + timedelta(seconds=6), host)
    state = live.public_state(s)
    assert state["phase"] == "final" and not state["tied"]
    assert [(r["name"], r["rank"], r["score"]) for r in state["board"]] == [("Bình", 1, 1000), ("An", 2, 1000)]
    with pytest.raises(DomainError, match="hết câu hỏi phụ"):
        step(s, "sudden_death", t + timedelta(seconds=7), host)


def test_a_pause_holds_the_clock(db_session, now):
    s, host = make_live(now, rule=rules.SPEED, seconds=20)
    p, _ = live.join(s.join_code, "An", "", now)
    step(s, "next", now, host)
    step(s, "pause", now + timedelta(seconds=5), host)
    with pytest.raises(DomainError, match="tạm dừng"):
        live.answer(s, p, 0, correct_option(s, 0), now + timedelta(seconds=6))
    step(s, "resume", now + timedelta(seconds=65), host)
    a = live.answer(s, p, 0, correct_option(s, 0), now + timedelta(seconds=70))
    assert a.elapsed_ms == 10_000 and a.points == 750


def test_teams_score_their_members_and_a_full_team_is_refused(db_session, now):
    s, host = make_live(now, team_mode=True, teams=["Xã Bản Lầu", "Phường Cam Đường"], max_team_members=1, count=1)
    a, _ = live.join(s.join_code, "An", "Xã Bản Lầu", now)
    with pytest.raises(DomainError, match="đã đủ 1 thành viên"):
        live.join(s.join_code, "Bình", "Xã Bản Lầu", now)
    with pytest.raises(DomainError, match="chọn đội"):
        live.join(s.join_code, "Bình", "Xã Khác", now)
    b, _ = live.join(s.join_code, "Bình", "Phường Cam Đường", now)
    step(s, "next", now, host)
    live.answer(s, b, 0, correct_option(s, 0), now + timedelta(seconds=1))
    for t in (2, 3):
        step(s, "next", now + timedelta(seconds=t), host)
    board = live.public_state(s)["board"]
    assert [(r["name"], r["score"]) for r in board] == [("Phường Cam Đường", 1000), ("Xã Bản Lầu", 0)]


def test_a_name_is_unique_in_a_session_and_a_wrong_code_is_not_found(db_session, now):
    s, _ = make_live(now)
    live.join(s.join_code, "Nguyễn Văn An", "", now)
    with pytest.raises(DomainError, match="đã có người dùng"):
        live.join(s.join_code, "nguyễn văn an", "", now)
    with pytest.raises(DomainError, match="Không tìm thấy phiên thi"):
        live.join("000000" if s.join_code != "000000" else "111111", "Bình", "", now)


def test_questions_are_frozen_version_ids_from_the_contests_topics(db_session, now):
    s, _ = make_live(now, count=3, tiebreaks=2)
    assert len(s.question_ids) == 3 and len(s.tiebreak_ids) == 2
    assert len(set(s.question_ids) | set(s.tiebreak_ids)) == 5


def test_staff_of_another_contest_cannot_move_the_session(db_session, now):
    s, _ = make_live(now)
    other = make_contest(now, slug="khac")
    stranger = make_staff("btc-khac", "organizer", [other])
    with pytest.raises(DomainError):
        live.control(s.id, "next", now, stranger)
    assert s.phase == rules.LOBBY


def test_every_step_is_pushed_to_the_open_streams(db_session, now):
    s, host = make_live(now)
    b = live_push.broker()
    sub = b.subscribe((live_push.channel(s.push_key),))
    try:
        step(s, "next", now, host)
        name, text = sub.get(timeout=2)
        assert '"phase":"question"' in text and name == live_push.channel(s.push_key)
    finally:
        sub.close()


def test_the_export_and_the_published_board_with_its_sha256(db_session, now, app):
    s, host = make_live(now, count=1)
    an, _ = live.join(s.join_code, "Nguyễn Văn An", "", now)
    step(s, "next", now, host)
    live.answer(s, an, 0, correct_option(s, 0), now + timedelta(seconds=2))
    with pytest.raises(DomainError, match="chưa kết thúc"):
        live.publish_results(s, now, host)
    for t in (3, 4):
        step(s, "next", now + timedelta(seconds=t), host)
    from zoneinfo import ZoneInfo

    data, name = live.export_xlsx(s, host, ZoneInfo("Asia/Ho_Chi_Minh"))
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[3]][:4] == ["Hạng", "Họ và tên", "Đội", "Điểm"]
    assert [c.value for c in ws[4]][:4] == [1, "Nguyễn Văn An", None, 1000]
    live.publish_results(s, now + timedelta(minutes=1), host)
    assert s.digest == hashlib.sha256(s.public_csv).hexdigest()
    assert live.published_board(s)[1][:2] == ["1", "Nguyễn Văn An"]
    with pytest.raises(DomainError, match="đã công bố"):
        live.publish_results(s, now, host)


def test_a_step_from_a_screen_that_missed_the_last_one_is_refused(db_session, now):
    s, host = make_live(now)
    seen = s.version
    live.control(s.id, "next", now, host, seen_version=seen)
    with pytest.raises(DomainError, match="chưa cập nhật"):  # a double press of the clicker
        live.control(s.id, "next", now, host, seen_version=seen)
    assert (s.phase, s.position) == (rules.QUESTION, 0)


def test_a_session_for_signed_in_players_uses_the_accounts_name_and_follows_it_to_a_new_phone(db_session, now):
    from tests.factories import make_user

    s, host = make_live(now, require_account=True)
    with pytest.raises(DomainError, match="yêu cầu đăng nhập"):
        live.join(s.join_code, "Khách", "", now)
    user = make_user(5, full_name="Phạm Minh Tĩnh")
    first, old_token = live.join(s.join_code, "tên gõ vào", "", now, user)
    assert first.display_name == "Phạm Minh Tĩnh"
    again, new_token = live.join(s.join_code, "", "", now, user)
    assert again.id == first.id and new_token != old_token
    assert live.player_for(s, old_token) is None and live.player_for(s, new_token).id == first.id


def test_the_stream_sends_the_current_state_then_changes_and_heartbeats():
    b = live_push.LocalBroker()
    out = live_push.stream(b, "41-123456", lambda: '{"v":1}', heartbeat=0.01, lifetime=0.3)
    assert next(out).startswith("retry: ")
    assert '"state":{"v":1}' in next(out)
    b.publish(live_push.channel("41-123456"), '{"v":2}', 2)
    assert next(out).startswith("event: state\ndata: ")
    assert next(out) == ": heartbeat\n\n"
    out.close()
    assert b.listeners(live_push.channel("41-123456")) == 0  # a closed stream leaves nothing subscribed


def test_an_older_step_published_late_never_replaces_the_kept_latest_state():
    b = live_push.LocalBroker()
    name = live_push.channel("42-123456")
    b.publish(name, '{"v":5}', 5)
    b.publish(name, '{"v":4}', 4)
    assert b.latest(name) == '{"v":5}'


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/12"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return url


def test_with_redis_a_step_published_by_one_server_reaches_the_streams_of_another():
    import uuid

    url = _redis_or_skip()
    session_id = uuid.uuid4().hex
    one, other = live_push.RedisBroker(url), live_push.RedisBroker(url)  # two processes' brokers
    sub = other.subscribe((live_push.channel(session_id),))
    try:
        for _ in range(50):  # the listener thread subscribes in the background
            one.publish(live_push.channel(session_id), '{"v":1}', 1)
            got = sub.get(timeout=0.1)
            if got:
                break
        assert got == (live_push.channel(session_id), '{"v":1}')
        one.publish(live_push.channel(session_id), '{"v":0}', 0)
        assert other.latest(live_push.channel(session_id)) == '{"v":1}'  # kept across servers, newest wins
    finally:
        sub.close()
        one._redis.delete(*[live_push.channel(session_id) + k for k in (":latest", ":version")])
        one.close()
        other.close()


@pytest.mark.postgres
def test_parallel_answers_and_host_presses_count_once_on_postgresql(app, now):
    """Eight taps of one phone at once make one answer; two hosts pressing "next" at once make one step."""
    import threading

    from quizapp.models import LivePlayer, LiveSession, User

    with app.app_context():
        s, host = make_live(now, seconds=60)
        player, _ = live.join(s.join_code, "An", "", now)
        ids = (s.id, player.id, host.id, s.version)
        live.control(s.id, "next", now, host)
        option = correct_option(s, 0)
    results = []

    def tap(kind, barrier):
        with app.app_context():
            session = db.session.get(LiveSession, ids[0])
            barrier.wait()
            try:
                if kind == "answer":
                    live.answer(session, db.session.get(LivePlayer, ids[1]), 0, option, now + timedelta(seconds=1))
                else:
                    live.control(ids[0], "next", now + timedelta(seconds=2), db.session.get(User, ids[2]), ids[3] + 1)
                results.append((kind, "ok"))
            except DomainError as e:
                results.append((kind, e.code))
            finally:
                db.session.remove()

    for kind, n in (("answer", 6), ("next", 2)):
        barrier = threading.Barrier(n)
        threads = [threading.Thread(target=tap, args=(kind, barrier)) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    answers = sorted(r for k, r in results if k == "answer")
    steps = sorted(r for k, r in results if k == "next")
    assert answers == ["answered"] * 5 + ["ok"]
    assert steps == ["ok", "stale"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(LiveAnswer.id))) == 1
        assert db.session.get(LiveSession, ids[0]).phase == rules.REVEAL
