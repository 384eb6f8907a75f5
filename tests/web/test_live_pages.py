"""The live contest through HTTP: the organiser's form, joining on a phone (and a wrong code), answering once,
rejoining by cookie, the event stream, host-only steps refused to players and to other contests' staff, and the
published board whose file matches its SHA-256."""
import hashlib
import json
from datetime import timedelta

from quizapp.extensions import db
from quizapp.models import Contest, LiveSession, Unit, User, utcnow
from quizapp.services import live
from tests.factories import make_contest, make_staff
from tests.live_factories import (
    correct_option,
    fresh_live_state,  # noqa: F401  (an autouse fixture)
    make_live,
)


def _join(client, code, name="Nguyễn Văn An", team=""):
    return client.post("/truc-tiep", data={"code": code, "name": name, "team": team})


def _host_url(s, tail=""):
    return f"/quan-tri/cuoc-thi/{s.contest.slug}/truc-tiep/{s.id}{tail}"


def _live(app):
    with app.app_context():
        s, host = make_live(utcnow())
        return s.id, s.join_code, host.username


def _session(app, session_id):
    with app.app_context():
        s = db.session.get(LiveSession, session_id)
        s.contest  # noqa: B018  (loaded for the URL helpers)
        db.session.expunge_all()
        return s


def test_the_organiser_creates_a_session_from_the_contests_topics(app, client, login):
    with app.app_context():
        contest = make_contest(utcnow(), slug="hoi-thi-xa")
        from tests.factories import make_bank

        make_bank(12)
        make_staff("btc-xa", "organizer", [db.session.get(Contest, contest.id)])
        topics = [t.topic_id for t in contest.topic_links]
    login("btc-xa")
    page = client.get("/quan-tri/cuoc-thi/hoi-thi-xa/truc-tiep/moi")
    assert page.status_code == 200 and "Tạo phiên thi trực tiếp" in page.get_data(as_text=True)
    resp = client.post("/quan-tri/cuoc-thi/hoi-thi-xa/truc-tiep/moi", data={
        "title": "Chung kết hội thi", "seconds": "25", "scoring_rule": "speed", "base_points": "1000",
        "topics": topics, "count": "5", "tiebreak_count": "1"}, follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Đã tạo phiên thi Chung kết hội thi, mã tham gia" in text
    with app.app_context():
        s = db.session.scalar(db.select(LiveSession))
        assert (len(s.question_ids), s.seconds_per_question, s.scoring_rule) == (5, 25, "speed")
    host = client.get(_host_url(_session(app, s.id), "/man-hinh"))
    assert host.status_code == 200 and "<svg" in host.get_data(as_text=True) and s.join_code in host.get_data(True)


def test_too_many_questions_asked_gives_a_vietnamese_message(app, client, login):
    with app.app_context():
        s, host = make_live(utcnow())
        topics = [t.topic_id for t in s.contest.topic_links]
        slug, username = s.contest.slug, host.username
    login(username)
    resp = client.post(f"/quan-tri/cuoc-thi/{slug}/truc-tiep/moi", data={
        "title": "X", "seconds": "20", "scoring_rule": "fixed", "base_points": "10", "topics": topics,
        "count": "99", "tiebreak_count": "5"})
    assert resp.status_code == 400 and "chỉ có 30 câu hỏi đang dùng, cần 104" in resp.get_data(as_text=True)


def test_a_wrong_code_gives_a_vietnamese_message(app, client):
    _, code, _ = _live(app)
    resp = _join(client, "999999")
    assert resp.status_code == 404
    assert "Không tìm thấy phiên thi với mã này" in resp.get_data(as_text=True)
    assert client.get("/truc-tiep/abc").status_code == 404
    assert "Vui lòng nhập tên hiển thị" in _join(client, code, name="").get_data(as_text=True)


def test_a_player_joins_answers_once_and_rejoins_where_the_session_is(app, client, login):
    session_id, code, host = _live(app)
    resp = _join(client, code)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/truc-tiep/{code}")
    page = client.get(f"/truc-tiep/{code}")
    assert "Nguyễn Văn An" in page.get_data(as_text=True) and 'id="live-player"' in page.get_data(as_text=True)
    with app.app_context():
        live.control(session_id, "next", utcnow(), db.session.scalar(db.select(User).where(User.username == host)))
        option = correct_option(db.session.get(LiveSession, session_id), 0)
    answer = client.post(f"/truc-tiep/{code}/tra-loi", json={"position": 0, "option": option})
    assert answer.status_code == 200 and answer.get_json()["message"] == "Đã ghi nhận"
    again = client.post(f"/truc-tiep/{code}/tra-loi", json={"position": 0, "option": option})
    assert again.status_code == 409 and "chỉ được trả lời một lần" in again.get_json()["message"]
    for body in ({"position": "0", "option": None}, {"position": 0, "option": True}, [1, 2]):
        bad = client.post(f"/truc-tiep/{code}/tra-loi", json=body)
        assert bad.status_code == 400 and bad.get_json()["message"] == "Câu trả lời không hợp lệ."
    # A reload (same cookie) is the same player, on the open question, with its answer remembered.
    state = client.get(f"/truc-tiep/{code}/trang-thai").get_json()
    assert state["state"]["phase"] == "question" and state["player"]["answered"] == option
    assert "correct" not in json.dumps(state["state"]["question"])  # no answer key before the reveal
    # Another phone without the cookie is not a player: it is asked to join.
    stranger = app.test_client()
    refused = stranger.post(f"/truc-tiep/{code}/tra-loi", json={"position": 0, "option": option})
    assert refused.status_code == 403 and "chưa tham gia" in refused.get_json()["message"]
    assert "Vào phòng thi" in stranger.get(f"/truc-tiep/{code}").get_data(as_text=True)


def test_the_stream_starts_with_the_current_state_and_is_not_buffered(app, client):
    _, code, _ = _live(app)
    resp = client.get(f"/truc-tiep/{code}/luong")
    try:
        assert resp.mimetype == "text/event-stream" and resp.headers["X-Accel-Buffering"] == "no"
        chunks = iter(resp.response)
        assert next(chunks).startswith(b"retry:")
        first = next(chunks).decode()
        assert first.startswith("event: state\ndata: ")
        assert json.loads(first.split("data: ", 1)[1])["state"]["phase"] == "lobby"
    finally:
        resp.close()


def test_host_steps_are_refused_to_players_and_to_other_contests_staff(app, client, login):
    session_id, code, _ = _live(app)
    s = _session(app, session_id)
    _join(client, code)
    url = _host_url(s, "/dieu-khien")
    assert client.post(url, json={"action": "next"}).status_code in (302, 401)  # a phone is not signed in
    assert client.get(_host_url(s, "/man-hinh")).status_code in (302, 401)
    with app.app_context():
        other = make_contest(utcnow(), slug="khac")
        make_staff("btc-khac", "organizer", [other])
        unit = Unit(contest_id=s.contest_id, code="SNV", name="Sở Nội vụ")
        db.session.add(unit)
        db.session.flush()
        make_staff("kd", "moderator", [db.session.get(Contest, s.contest_id)], unit=unit)
    login("btc-khac")
    assert client.post(url, json={"action": "next"}).status_code == 404
    assert client.get(_host_url(s, "/luong")).status_code == 404
    login("kd")
    assert client.post(url, json={"action": "next"}).status_code == 403
    assert _session(app, session_id).phase == "lobby"


def test_the_published_board_and_its_file_match_the_sha256(app, client, login):
    session_id, code, host = _live(app)
    _join(client, code, "Trần Thị Bình")
    s = _session(app, session_id)
    login(host)
    control = _host_url(s, "/dieu-khien")
    for body in ({"action": "pause_all"}, ["next"], {"action": "next", "v": "1"}):
        wrong = client.post(control, json=body)
        assert wrong.status_code == 400 and wrong.get_json()["message"] == "Thao tác không hợp lệ."
    early = client.post(control, json={"action": "scoreboard"})
    assert early.status_code == 409 and "sau khi đã công bố đáp án" in early.get_json()["message"]
    for _ in range(3 * 3):  # lobby → (question → reveal → scoreboard) × 2 → question → reveal → final
        assert client.post(control, json={"action": "next"}).status_code == 200
    assert _session(app, session_id).phase == "final"
    xlsx = client.get(_host_url(s, "/ket-qua.xlsx"))
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    client.post(_host_url(s, "/cong-bo"), data={})
    page = client.get(f"/truc-tiep/{code}/ket-qua").get_data(as_text=True)
    digest = _session(app, session_id).digest
    assert digest in page and "Trần Thị Bình" in page
    data = client.get(f"/truc-tiep/{code}/ket-qua.csv").data
    assert hashlib.sha256(data).hexdigest() == digest
    contest_page = client.get(f"/cuoc-thi/{s.contest.slug}").get_data(as_text=True)
    assert "Kết quả hội thi trực tiếp" in contest_page and f"/truc-tiep/{code}/ket-qua" in contest_page


def test_a_team_player_picks_the_team_on_the_join_page(app, client):
    with app.app_context():
        s, _ = make_live(utcnow(), team_mode=True, teams=["Xã Bản Lầu", "Phường Cam Đường"])
        code = s.join_code
    page = client.get(f"/truc-tiep?ma={code}").get_data(as_text=True)
    assert "Phường Cam Đường" in page and "— Chọn đội —" in page
    refused = _join(client, code, "An", "")
    assert refused.status_code == 400 and "Vui lòng chọn đội của bạn" in refused.get_data(as_text=True)
    assert _join(client, code, "An", "Phường Cam Đường").status_code == 302
    assert "Phường Cam Đường" in client.get(f"/truc-tiep/{code}").get_data(as_text=True)


def test_an_unpublished_board_is_not_public(app, client):
    _, code, _ = _live(app)
    resp = client.get(f"/truc-tiep/{code}/ket-qua")
    assert resp.status_code == 404 and "chưa được công bố" in resp.get_data(as_text=True)


def test_a_late_answer_is_refused_with_a_vietnamese_message(app, client):
    session_id, code, host = _live(app)
    _join(client, code)
    with app.app_context():
        actor = db.session.scalar(db.select(User).where(User.username == host))
        live.control(session_id, "next", utcnow() - timedelta(seconds=30), actor)
        option = correct_option(db.session.get(LiveSession, session_id), 0)
    resp = client.post(f"/truc-tiep/{code}/tra-loi", json={"position": 0, "option": option})
    assert resp.status_code == 409 and resp.get_json()["message"] == "Đã hết giờ trả lời câu hỏi này."
