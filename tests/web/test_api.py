"""The JSON API (docs/openapi.yaml) as a client uses it: with CSRF protection on, as in production."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Attempt, AttemptQuestion, QuestionOption, User, utcnow
from tests.journey import PASSWORD, PREDICTION_QUESTION, cccd_for, make_journey_contest, without_rate_limits


@pytest.fixture(scope="module")
def csrf_app(database_url, _migrated_app):
    """A second app on the same test database, with CSRF checks on (the shared one turns them off)."""
    from quizapp import create_app

    return create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False, "SECRET_KEY": "test-secret",
    })


class Api:
    """A JSON client that keeps its cookies and sends the session's CSRF token back, as the attempt page does."""

    def __init__(self, app):
        self.http = app.test_client()
        self.token = None
        self.seen: list[str] = []  # every response body, for leak checks

    def session(self) -> dict:
        data = self.call("GET", "/api/v1/session").get_json()
        self.token = data["csrf_token"]
        return data

    def call(self, method: str, url: str, body=None, csrf: bool = True):
        headers = {"Accept": "application/json"}
        if csrf and self.token:
            headers["X-CSRFToken"] = self.token
        resp = self.http.open(url, method=method, json=body, headers=headers)
        self.seen.append(resp.get_data(as_text=True))
        return resp


def _registration(journey, n=1, **kw) -> dict:
    born = kw.pop("born", date(1990, 7, 2))
    body = {"full_name": f"Hoàng Văn {'ABCDEFGH'[n]}", "birth_date": born.isoformat(), "gender": "nam",
            "cccd": cccd_for(born, "nam", n), "phone": f"097{n:07d}", "email": "", "area_id": journey.area_ids[1],
            "unit_id": None, "category": "citizen", "password": PASSWORD, "consent": True}
    body.update(kw)
    return body


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch):
    without_rate_limits(monkeypatch)


@pytest.fixture
def journey(app):
    with app.app_context():
        return make_journey_contest(utcnow())


@pytest.fixture
def api(csrf_app, journey):
    client = Api(csrf_app)
    client.session()
    return client


@pytest.fixture
def contestant(api, journey):
    resp = api.call("POST", f"/api/v1/contests/{journey.slug}/register", _registration(journey))
    assert resp.status_code == 201, resp.get_json()
    api.token = resp.get_json()["csrf_token"]
    return api


def _error(resp, status: int, code: str) -> str:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True))
    data = resp.get_json()
    assert data["error"] == code, data
    assert any(ord(ch) > 127 for ch in data["message"]), data["message"]  # Vietnamese, with its diacritics
    return data["message"]


def _correct_option(app, aq_id: int) -> int:
    """The correct option's number in the attempt (the API numbers options 1, 2, ... as shown)."""
    with app.app_context():
        aq = db.session.get(AttemptQuestion, aq_id)
        correct = db.session.scalar(select(QuestionOption.id).where(QuestionOption.question_id == aq.question_id,
                                                                    QuestionOption.is_correct))
        return aq.option_order.index(correct) + 1


# ------------------------------------------------------------------ session, CSRF, lists


def test_session_says_who_is_signed_in_and_gives_the_csrf_token(csrf_app, journey):
    api = Api(csrf_app)
    data = api.session()
    assert data["authenticated"] is False and data["user"] is None and len(data["csrf_token"]) > 20
    assert abs(data["server_time"] / 1000 - utcnow().timestamp()) < 60
    api.call("POST", f"/api/v1/contests/{journey.slug}/register", _registration(journey))
    data = api.session()
    assert data["authenticated"] is True and data["user"]["full_name"] == "Hoàng Văn B"
    assert data["user"]["role"] == "contestant"


def test_changes_without_the_csrf_header_are_refused_in_vietnamese(csrf_app, journey, app):
    api = Api(csrf_app)
    api.session()
    resp = api.call("POST", f"/api/v1/contests/{journey.slug}/register", _registration(journey), csrf=False)
    assert _error(resp, 400, "csrf").startswith("Phiên làm việc đã hết hạn")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
    _error(api.call("POST", "/api/v1/login", {"identifier": "0970000001", "password": PASSWORD}, csrf=False),
           400, "csrf")
    # a wrong token is no better than none
    api.token = "not-the-token"
    _error(api.call("POST", "/api/v1/login", {"identifier": "0970000001", "password": PASSWORD}), 400, "csrf")


def test_saving_and_submitting_need_the_csrf_header_too(contestant, journey):
    attempt = contestant.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts").get_json()
    q = attempt["questions"][0]
    url = f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}"
    _error(contestant.call("PUT", url, {"option_id": q["options"][0]["id"]}, csrf=False), 400, "csrf")
    _error(contestant.call("POST", f"/api/v1/attempts/{attempt['id']}/submit", {"prediction": 1}, csrf=False),
           400, "csrf")
    _error(contestant.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts", csrf=False), 400, "csrf")


def test_areas_and_units_of_the_contest(api, journey):
    areas = api.call("GET", f"/api/v1/contests/{journey.slug}/areas").get_json()["areas"]
    assert [a["name"] for a in areas] == ["Phường Cam Đường", "Xã Bát Xát", "Xã Mường Hum"]
    assert {a["id"] for a in areas} == set(journey.area_ids)
    units = api.call("GET", f"/api/v1/contests/{journey.slug}/units").get_json()["units"]
    assert {u["name"] for u in units} == {"Sở Nội vụ", "Sở Tư pháp"} and units[0]["kind"] == "agency"
    _error(api.call("GET", "/api/v1/contests/khong-co/areas"), 404, "404")


def test_signed_out_calls_get_401_in_json(api, journey):
    for method, url in (("GET", "/api/v1/attempts/1"), ("POST", f"/api/v1/rounds/{journey.round_id}/attempts"),
                        ("PUT", "/api/v1/attempts/1/answers/1"), ("POST", "/api/v1/attempts/1/submit")):
        body = {"option_id": 1} if method == "PUT" else {}
        assert _error(api.call(method, url, body), 401, "unauthorized") == "Vui lòng đăng nhập để tiếp tục."


# ------------------------------------------------------------------ register and sign in


@pytest.mark.parametrize("change, status, code, field, message", [
    ({"cccd": cccd_for(date(1991, 7, 2), "nam", 1)}, 422, "invalid_cccd", "cccd", "hai số cuối của năm sinh (90)"),
    ({"cccd": "0100900001"}, 422, "invalid_cccd", "cccd", "phải gồm đúng 12 chữ số"),
    ({"consent": False}, 422, "consent", "consent", "Bạn cần đồng ý với việc xử lý dữ liệu cá nhân"),
    ({"consent": "yes"}, 422, "consent", "consent", "Bạn cần đồng ý"),
    ({"born": date.today() - timedelta(days=365 * 16)}, 422, "too_young", "birth_date", "từ đủ 18 tuổi"),
    ({"birth_date": "14/03/1985"}, 422, "birth_date", "birth_date", "Vui lòng nhập ngày sinh."),
    ({"phone": "12345"}, 422, "invalid_phone", "phone", "Số điện thoại di động phải gồm 10 chữ số"),
    ({"area_id": 999999}, 422, "area", "area_id", "Vui lòng chọn xã, phường"),
    ({"category": "official"}, 422, "unit", "unit_id", "chọn đơn vị công tác"),
    ({"password": "ngan"}, 422, "weak_password", "password", "ít nhất 8 ký tự"),
])
def test_registration_errors_name_the_field(api, journey, change, status, code, field, message):
    change = dict(change)
    if "born" in change:
        born = change.pop("born")
        change |= {"born": born, "cccd": cccd_for(born, "nam", 1)}
    resp = api.call("POST", f"/api/v1/contests/{journey.slug}/register", _registration(journey, **change))
    assert message in _error(resp, status, code)
    assert resp.get_json()["field"] == field


def test_a_taken_phone_is_refused_without_saying_whose(csrf_app, contestant, journey):
    other = Api(csrf_app)
    other.session()
    resp = other.call("POST", f"/api/v1/contests/{journey.slug}/register",
                      _registration(journey, n=2, phone="+84 97 000 0001"))
    message = _error(resp, 409, "phone_taken")
    assert resp.get_json()["field"] == "phone"
    assert "Hoàng" not in resp.get_data(as_text=True) and "097" not in message
    resp = other.call("POST", f"/api/v1/contests/{journey.slug}/register",
                      _registration(journey, n=2, cccd=cccd_for(date(1990, 7, 2), "nam", 1)))
    _error(resp, 409, "cccd_taken")


def test_sign_in_by_phone_or_cccd(csrf_app, contestant):
    for identifier in ("0970000001", "097 000 0001", cccd_for(date(1990, 7, 2), "nam", 1)):
        api = Api(csrf_app)
        api.session()
        resp = api.call("POST", "/api/v1/login", {"identifier": identifier, "password": PASSWORD})
        assert resp.status_code == 200 and resp.get_json()["user"]["full_name"] == "Hoàng Văn B"
        api.token = resp.get_json()["csrf_token"]
        assert api.session()["authenticated"] is True
    api = Api(csrf_app)
    api.session()
    _error(api.call("POST", "/api/v1/login", {"identifier": "0970000001", "password": "sai-roi-nhe"}),
           401, "invalid_credentials")
    _error(api.call("POST", "/api/v1/login", {"identifier": "0979999999", "password": PASSWORD}),
           401, "invalid_credentials")
    _error(api.call("POST", "/api/v1/login", ["not", "an", "object"]), 400, "400")


# ------------------------------------------------------------------ rounds and attempts


def test_rounds_show_rules_state_and_my_attempts(contestant, journey):
    data = contestant.call("GET", f"/api/v1/contests/{journey.slug}/rounds").get_json()
    rounds = {r["id"]: r for r in data["rounds"]}
    week = rounds[journey.round_id]
    assert (week["state"], week["question_count"], week["time_limit_seconds"], week["attempts_allowed"],
            week["counting_rule"], week["prediction_question"]) == ("open", 5, 600, 2, "best", PREDICTION_QUESTION)
    assert week["my_attempts"] == [] and week["attempts_left"] == 2
    assert rounds[journey.upcoming_round_id]["state"] == "upcoming"
    assert rounds[journey.closed_round_id]["state"] == "closed"
    practice = rounds[journey.practice_round_id]
    assert practice["kind"] == "practice" and practice["state"] == "open" and practice["attempts_left"] is None


def test_the_whole_attempt_and_no_response_before_submission_tells_which_option_is_correct(contestant, journey, app):
    before = len(contestant.seen)
    resp = contestant.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts")
    assert resp.status_code == 201
    attempt = resp.get_json()
    assert attempt["status"] == "in_progress" and len(attempt["questions"]) == 5
    assert attempt["deadline"] - attempt["started_at"] == 600_000 and 595 <= attempt["time_left_seconds"] <= 600
    assert attempt["prediction_question"] == PREDICTION_QUESTION
    # starting again returns the attempt in progress
    assert contestant.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts").get_json()["id"] == attempt["id"]

    base = f"/api/v1/attempts/{attempt['id']}"
    chosen = []
    for i, q in enumerate(attempt["questions"]):
        correct = _correct_option(app, q["id"])
        choice = correct if i < 3 else next(o["id"] for o in q["options"] if o["id"] != correct)
        resp = contestant.call("PUT", f"{base}/answers/{q['id']}", {"option_id": choice, "seq": i + 1})
        assert resp.status_code == 200 and resp.get_json() == {"question_id": q["id"], "option_id": choice, "saved": True}
        chosen.append(choice)
    again = contestant.call("GET", base).get_json()  # reopening: the saved answers and the true time left
    assert [q["chosen_option_id"] for q in again["questions"]] == chosen
    assert again["deadline"] == attempt["deadline"] and again["time_left_seconds"] <= attempt["time_left_seconds"]
    contestant.call("GET", f"/api/v1/contests/{journey.slug}/rounds")
    contestant.call("GET", "/api/v1/session")

    message = _error(contestant.call("POST", f"{base}/submit", {}), 422, "prediction_required")
    assert "câu hỏi dự đoán" in message
    _error(contestant.call("POST", f"{base}/submit", {"prediction": "12"}), 422, "invalid_prediction")
    _error(contestant.call("POST", f"{base}/submit", {"prediction": -3}), 422, "invalid_prediction")
    leaked = [body for body in contestant.seen[before:] if "correct" in body.lower()]
    assert leaked == [], leaked[0][:300]

    result = contestant.call("POST", f"{base}/submit", {"prediction": 150})
    assert result.status_code == 200
    r = result.get_json()
    assert (r["status"], r["correct"], r["total"], r["score"], r["prediction"]) == ("submitted", 3, 5, 60.0, 150)
    assert r["duration_ms"] >= 0 and r["submitted_at"]
    # submitting again is safe: the same result, nothing changes
    assert contestant.call("POST", f"{base}/submit", {"prediction": 7}).get_json() == r
    # after submission: the result, but still no correct options while the round is open
    done = contestant.call("GET", base).get_json()
    assert done["status"] == "submitted" and done["result"] == r
    assert all("correct_option_id" not in q for q in done["questions"])
    week = {x["id"]: x for x in contestant.call("GET", f"/api/v1/contests/{journey.slug}/rounds").get_json()["rounds"]}
    mine = week[journey.round_id]
    assert mine["my_attempts"][0]["correct"] == 3 and mine["counted_attempt_id"] == attempt["id"]
    assert mine["attempts_left"] == 1


def test_answers_after_submission_or_time_are_refused(contestant, journey, app):
    attempt = contestant.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts").get_json()
    base = f"/api/v1/attempts/{attempt['id']}"
    q = attempt["questions"][0]
    with app.app_context():  # the time ran out 10 s ago: still inside the grace period
        a = db.session.get(Attempt, attempt["id"])
        a.deadline_at = utcnow() - timedelta(seconds=10)
        db.session.commit()
    assert contestant.call("PUT", f"{base}/answers/{q['id']}", {"option_id": q["options"][0]["id"]}).status_code == 200
    with app.app_context():  # and now past it
        a = db.session.get(Attempt, attempt["id"])
        a.deadline_at = utcnow() - timedelta(seconds=20)
        db.session.commit()
    q2 = attempt["questions"][1]
    message = _error(contestant.call("PUT", f"{base}/answers/{q2['id']}", {"option_id": q2["options"][0]["id"]}),
                     409, "time_up")
    assert message == "Đã hết thời gian làm bài; câu trả lời này không được ghi nhận."
    data = contestant.call("GET", base).get_json()
    assert data["status"] == "expired" and data["result"]["total"] == 5
    # the automatic submission arriving late still gets the result
    assert contestant.call("POST", f"{base}/submit", {"auto": True}).get_json()["status"] == "expired"


def test_foreign_questions_options_and_attempts_are_refused(csrf_app, contestant, journey):
    attempt = contestant.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts").get_json()
    base = f"/api/v1/attempts/{attempt['id']}"
    q1, q2 = attempt["questions"][:2]
    _error(contestant.call("PUT", f"{base}/answers/{q1['id']}", {"option_id": len(q1["options"]) + 1}),
           422, "invalid_option")
    _error(contestant.call("PUT", f"{base}/answers/999999", {"option_id": q2["options"][0]["id"]}),
           422, "invalid_question")
    _error(contestant.call("PUT", f"{base}/answers/{q1['id']}", {}), 422, "invalid_option")
    other = Api(csrf_app)
    other.session()
    resp = other.call("POST", f"/api/v1/contests/{journey.slug}/register", _registration(journey, n=3))
    other.token = resp.get_json()["csrf_token"]
    assert _error(other.call("GET", base), 404, "not_found") == "Không tìm thấy bài thi."
    _error(other.call("PUT", f"{base}/answers/{q1['id']}", {"option_id": q1["options"][0]["id"]}), 404, "not_found")
    _error(other.call("POST", f"{base}/submit", {"prediction": 1}), 404, "not_found")
    _error(other.call("POST", "/api/v1/rounds/999999/attempts"), 404, "not_found")


def test_round_window_and_attempt_limit_are_enforced(contestant, journey):
    message = _error(contestant.call("POST", f"/api/v1/rounds/{journey.upcoming_round_id}/attempts"),
                     409, "round_not_open")
    assert message == "Đợt thi chưa mở. Vui lòng quay lại khi đợt thi bắt đầu."
    assert _error(contestant.call("POST", f"/api/v1/rounds/{journey.closed_round_id}/attempts"),
                  409, "round_closed") == "Đợt thi đã kết thúc."
    for _ in range(2):
        a = contestant.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts").get_json()
        assert contestant.call("POST", f"/api/v1/attempts/{a['id']}/submit", {"prediction": 1}).status_code == 200
    message = _error(contestant.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts"), 409, "attempt_limit")
    assert message == "Bạn đã dùng hết 2 lượt thi được phép của vòng thi này."


def test_a_contestant_of_another_contest_cannot_start(csrf_app, contestant, journey, app):
    with app.app_context():
        other = make_journey_contest(utcnow(), slug="khac", bank_size=1)
    _error(contestant.call("POST", f"/api/v1/rounds/{other.round_id}/attempts"), 403, "not_registered")


def test_practice_answers_come_back_with_the_explanation_and_are_unlimited(contestant, journey, app):
    for _ in range(3):
        a = contestant.call("POST", f"/api/v1/rounds/{journey.practice_round_id}/attempts").get_json()
        q = a["questions"][0]
        saved = contestant.call("PUT", f"/api/v1/attempts/{a['id']}/answers/{q['id']}",
                                {"option_id": q["options"][0]["id"]}).get_json()
        assert saved["correct_option_id"] == _correct_option(app, q["id"])
        assert saved["explanation"].startswith("Giải thích") and saved["source"].startswith("Văn bản")
        # practice needs no prediction and may be submitted any number of times
        assert contestant.call("POST", f"/api/v1/attempts/{a['id']}/submit", {}).status_code == 200


def test_a_late_offline_change_does_not_overwrite_a_newer_one_from_another_device(csrf_app, contestant, journey):
    a = contestant.call("POST", f"/api/v1/rounds/{journey.round_id}/attempts").get_json()
    q = a["questions"][0]
    url = f"/api/v1/attempts/{a['id']}/answers/{q['id']}"
    newer, older = q["options"][1]["id"], q["options"][2]["id"]
    assert contestant.call("PUT", url, {"option_id": newer, "seq": 90_000}).get_json()["option_id"] == newer
    kept = contestant.call("PUT", url, {"option_id": older, "seq": 30_000}).get_json()  # queued offline earlier
    assert kept["option_id"] == newer
    got = contestant.call("GET", f"/api/v1/attempts/{a['id']}").get_json()
    assert got["questions"][0]["chosen_option_id"] == newer
