"""Attempts over HTTP: one device at a time in single-device rounds, late answers and foreign answers refused."""
from datetime import timedelta

import pytest

from quizapp.extensions import db
from quizapp.models import Attempt, utcnow
from tests.factories import make_bank, make_contest, register_contestant

PASSWORD = "matkhau123"


@pytest.fixture
def setup(app):
    """A contestant in a contest whose round is held by one device at a time, and one whose round is not."""
    with app.app_context():
        now = utcnow()
        make_bank(20)
        single = make_contest(now, slug="mot-thiet-bi", question_count=5, single_device=True)
        free = make_contest(now, slug="tu-do", question_count=5)
        reg = register_contestant(single, now, n=1)
        register_contestant(free, now, n=2)
        return {"phone": reg.user.phone, "single": (single.slug, single.rounds[0].id),
                "free": (free.slug, free.rounds[0].id), "phone2": "0980000002"}


def _device(app, phone: str, device: str):
    """A browser of this contestant on one device (its own cookies), signed in."""
    browser = app.test_client()
    browser.set_cookie("qz_device", device)
    resp = browser.post("/dang-nhap", data={"identifier": phone, "password": PASSWORD})
    assert resp.status_code == 302
    return browser


def _start(browser, slug, round_id) -> int:
    resp = browser.post(f"/cuoc-thi/{slug}/dot/{round_id}/bat-dau")
    assert resp.status_code == 302 and "/bai-thi/" in resp.headers["Location"], resp.get_data(as_text=True)[:300]
    return int(resp.headers["Location"].rstrip("/").split("/")[-1])


def _answer(browser, attempt_id, question, option_index=0):
    return browser.put(f"/api/v1/attempts/{attempt_id}/answers/{question['id']}",
                       json={"option_id": question["options"][option_index]["id"]})


def test_opening_the_attempt_on_another_device_hands_it_over_and_the_first_is_told(app, setup):
    slug, round_id = setup["single"]
    phone_a = _device(app, setup["phone"], "dien-thoai")
    attempt_id = _start(phone_a, slug, round_id)
    questions = phone_a.get(f"/api/v1/attempts/{attempt_id}").get_json()["questions"]
    assert _answer(phone_a, attempt_id, questions[0]).status_code == 200

    laptop = _device(app, setup["phone"], "may-tinh")
    assert laptop.get(f"/bai-thi/{attempt_id}").status_code == 200  # opening it here takes it over
    assert _answer(laptop, attempt_id, questions[1]).status_code == 200

    refused = _answer(phone_a, attempt_id, questions[2])
    assert refused.status_code == 409 and refused.get_json()["error"] == "device_replaced"
    assert "thiết bị khác" in refused.get_json()["message"]
    polled = phone_a.get(f"/api/v1/attempts/{attempt_id}?claim=0")  # the page checking back in the background
    assert polled.status_code == 409 and polled.get_json()["error"] == "device_replaced"
    assert phone_a.post(f"/api/v1/attempts/{attempt_id}/submit", json={}).get_json()["error"] == "device_replaced"
    page = phone_a.post(f"/bai-thi/{attempt_id}", data={f"q{questions[3]['id']}": questions[3]["options"][0]["id"],
                                                        "save": "1"}, follow_redirects=True)
    assert "thiết bị khác" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).status == "in_progress"

    # opening it again on the phone takes it back; now the laptop is told
    assert phone_a.get(f"/api/v1/attempts/{attempt_id}").status_code == 200
    assert _answer(phone_a, attempt_id, questions[2]).status_code == 200
    assert _answer(laptop, attempt_id, questions[3]).get_json()["error"] == "device_replaced"
    assert phone_a.post(f"/api/v1/attempts/{attempt_id}/submit", json={}).get_json()["status"] == "submitted"


def test_other_rounds_can_be_answered_from_two_devices(app, setup):
    slug, round_id = setup["free"]
    phone = _device(app, setup["phone2"], "dien-thoai")
    attempt_id = _start(phone, slug, round_id)
    questions = phone.get(f"/api/v1/attempts/{attempt_id}").get_json()["questions"]
    laptop = _device(app, setup["phone2"], "may-tinh")
    assert laptop.get(f"/bai-thi/{attempt_id}").status_code == 200
    assert _answer(phone, attempt_id, questions[0]).status_code == 200
    assert _answer(laptop, attempt_id, questions[1]).status_code == 200


def test_an_answer_after_the_deadline_and_grace_is_refused_with_a_clear_message(app, setup):
    slug, round_id = setup["free"]
    browser = _device(app, setup["phone2"], "dien-thoai")
    attempt_id = _start(browser, slug, round_id)
    q = browser.get(f"/api/v1/attempts/{attempt_id}").get_json()["questions"]
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        a.deadline_at = utcnow() - timedelta(seconds=20)  # 15 s of grace are over too
        db.session.commit()
    page = browser.post(f"/bai-thi/{attempt_id}", data={f"q{q[0]['id']}": q[0]["options"][0]["id"], "save": "1"},
                        follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Đã hết thời gian làm bài; câu trả lời này không được ghi nhận." in html
    api = _answer(browser, attempt_id, q[1])
    assert api.status_code == 409 and api.get_json()["error"] == "time_up"
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).status == "expired"


def test_answers_to_other_questions_or_with_other_options_are_refused(app, setup):
    slug, round_id = setup["free"]
    browser = _device(app, setup["phone2"], "dien-thoai")
    attempt_id = _start(browser, slug, round_id)
    q = browser.get(f"/api/v1/attempts/{attempt_id}").get_json()["questions"]
    wrong_option = browser.put(f"/api/v1/attempts/{attempt_id}/answers/{q[0]['id']}",
                               json={"option_id": len(q[0]["options"]) + 1})
    assert wrong_option.status_code == 422 and wrong_option.get_json()["message"] == "Phương án này không thuộc câu hỏi."
    other_slug, other_round = setup["single"]
    owner = _device(app, setup["phone"], "x")
    foreign_attempt = _start(owner, other_slug, other_round)
    foreign_q = owner.get(f"/api/v1/attempts/{foreign_attempt}").get_json()["questions"][0]
    not_in_attempt = browser.put(f"/api/v1/attempts/{attempt_id}/answers/{foreign_q['id']}",
                                 json={"option_id": foreign_q["options"][0]["id"]})
    assert not_in_attempt.status_code == 422
    assert not_in_attempt.get_json()["message"] == "Câu hỏi này không thuộc bài thi của bạn."
    assert browser.get(f"/api/v1/attempts/{foreign_attempt}").status_code == 404  # nor someone else's attempt
