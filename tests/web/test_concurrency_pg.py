"""Real parallel HTTP requests against two multi-threaded app servers on PostgreSQL.

Each server is a werkzeug server (a thread per request) with its own app and connection pool, as two app
servers would be. Requests are held at a barrier and released together. What must hold is what the database
enforces (row locks, unique indexes): one attempt in progress, never more attempts than allowed, one grading
per attempt, one account per CCCD and per phone.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from quizapp.extensions import db
from quizapp.models import Attempt, User, utcnow
from quizapp.services import events
from tests.factories import make_bank, make_contest, register_contestant

pytestmark = pytest.mark.postgres
PASSWORD = "matkhau123"


class _Quiet(WSGIRequestHandler):
    def log(self, *args, **kwargs):  # one line per request would drown the test output
        pass


class LiveServer:
    """An app served on 127.0.0.1 by a werkzeug server that handles each request in its own thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=10)
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def servers(database_url, _migrated_app):
    from quizapp import create_app

    config = {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
              "SECRET_KEY": "parallel"}
    live = [LiveServer(create_app(dict(config))), LiveServer(create_app(dict(config)))]
    yield [s.url for s in live]
    for s in live:
        s.stop()


@pytest.fixture
def contest(app):
    """A contest open now (the servers read the real clock) with 3 attempts allowed, and its communes."""
    with app.app_context():
        now = utcnow()
        make_bank(30)
        contest = make_contest(now, slug="song-song", attempts_allowed=3, question_count=5)
        reg = register_contestant(contest, now, n=1)
        return {"slug": contest.slug, "round_id": contest.rounds[0].id, "phone": reg.user.phone,
                "registration_id": reg.id, "area_id": reg.area_id}


def _signed_in(base: str, phone: str) -> dict:
    """The cookies of a browser signed in as `phone` (each thread builds its own session from them)."""
    session = requests.Session()
    resp = session.post(f"{base}/api/v1/login", json={"identifier": phone, "password": PASSWORD}, timeout=30)
    assert resp.status_code == 200, resp.text
    return session.cookies.get_dict()


def _all_at_once(count: int, fn):
    """Run fn(i) for i in range(count) on `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait(timeout=30)
        return fn(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _tab(cookies: dict) -> requests.Session:
    s = requests.Session()
    s.cookies.update(cookies)
    return s


def _attempts(app, registration_id: int) -> list[Attempt]:
    with app.app_context():
        return list(db.session.scalars(select(Attempt).where(Attempt.registration_id == registration_id)
                                       .order_by(Attempt.number)))


def test_fifty_simultaneous_starts_create_one_attempt_in_progress(app, servers, contest):
    cookies = _signed_in(servers[0], contest["phone"])
    url = "/api/v1/rounds/{}/attempts".format(contest["round_id"])
    responses = _all_at_once(50, lambda i: _tab(cookies).post(servers[i % 2] + url, timeout=60))
    assert [r.status_code for r in responses] == [201] * 50, {r.status_code: r.text for r in responses}
    assert len({r.json()["id"] for r in responses}) == 1  # every tab got the same attempt
    (attempt,) = _attempts(app, contest["registration_id"])
    assert attempt.status == "in_progress" and attempt.number == 1


def test_start_and_submit_loops_from_many_tabs_end_with_exactly_the_attempts_allowed(app, servers, contest):
    cookies = _signed_in(servers[1], contest["phone"])
    start = "/api/v1/rounds/{}/attempts".format(contest["round_id"])

    def loop(i):
        tab, base, last = _tab(cookies), servers[i % 2], None
        for _ in range(12):
            resp = tab.post(base + start, timeout=60)
            if resp.status_code != 201:
                return resp
            last = tab.post(f"{base}/api/v1/attempts/{resp.json()['id']}/submit", json={"auto": True}, timeout=60)
            assert last.status_code == 200, last.text
        return last

    finals = _all_at_once(12, loop)
    assert all(r.status_code == 409 and r.json()["error"] == "attempt_limit" for r in finals), [r.text for r in finals]
    assert "hết 3 lượt thi" in finals[0].json()["message"]
    made = _attempts(app, contest["registration_id"])
    assert [a.number for a in made] == [1, 2, 3] and {a.status for a in made} == {"submitted"}


def test_fifty_simultaneous_submissions_grade_once_and_agree(app, servers, contest):
    cookies = _signed_in(servers[0], contest["phone"])
    tab = _tab(cookies)
    attempt = tab.post(f"{servers[0]}/api/v1/rounds/{contest['round_id']}/attempts", timeout=30).json()
    for q in attempt["questions"][:3]:
        assert tab.put(f"{servers[0]}/api/v1/attempts/{attempt['id']}/answers/{q['id']}",
                       json={"option_id": q["options"][0]["id"]}, timeout=30).status_code == 200
    graded = []
    listener = events.on_attempt_finished(lambda a: graded.append(a.id))  # the servers run in this process
    try:
        responses = _all_at_once(50, lambda i: _tab(cookies).post(
            f"{servers[i % 2]}/api/v1/attempts/{attempt['id']}/submit", json={"prediction": i}, timeout=60))
    finally:
        events.attempt_finished_signal.disconnect(listener)
    assert [r.status_code for r in responses] == [200] * 50
    results = [r.json() for r in responses]
    assert all(r == results[0] for r in results)  # one result, with the prediction of the submission that won
    assert graded == [attempt["id"]]
    (stored,) = _attempts(app, contest["registration_id"])
    assert stored.status == "submitted" and stored.prediction == results[0]["prediction"]


def _body(contest, n: int, cccd: str | None = None, phone: str | None = None) -> dict:
    born = date(1991, 4, 9)
    return {"full_name": f"Người Đăng Ký {'ABCDEFGHIJKLMNOPQRST'[n]}", "birth_date": born.isoformat(),
            "gender": "nam", "cccd": cccd or f"001091{n + 500:06d}", "phone": phone or f"0915{n:06d}",
            "email": "", "area_id": contest["area_id"], "unit_id": None, "category": "citizen",
            "password": PASSWORD, "consent": True}


@pytest.mark.parametrize("shared", ["cccd", "phone"])
def test_parallel_registrations_with_one_cccd_or_phone_make_one_account(app, servers, contest, shared):
    same = {"cccd": "001091777777"} if shared == "cccd" else {"phone": "0915777777"}
    url = f"/api/v1/contests/{contest['slug']}/register"
    responses = _all_at_once(20, lambda i: requests.post(servers[i % 2] + url, json=_body(contest, i, **same),
                                                         timeout=60))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 19, [r.text for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 201)["user"]["full_name"]
    refusals = [r.json() for r in responses if r.status_code == 409]
    assert {r["error"] for r in refusals} == {f"{shared}_taken"}
    assert all("đã được dùng để đăng ký" in r["message"] and winner not in r["message"] for r in refusals)
    with app.app_context():
        column = User.cccd if shared == "cccd" else User.phone
        assert db.session.scalar(select(func.count()).select_from(User).where(column == next(iter(same.values())))) == 1


def test_answers_racing_a_submission_are_either_graded_or_refused(app, servers, contest):
    """Saves (one statement each, no attempt lock among themselves) and a submission sent together, three times:
    every acknowledged answer is one the grading saw, and nothing is stored after the attempt was graded."""
    from quizapp.models import Answer, AttemptQuestion, QuestionOption

    cookies = _signed_in(servers[0], contest["phone"])
    for trial in range(3):
        attempt = _tab(cookies).post(f"{servers[0]}/api/v1/rounds/{contest['round_id']}/attempts", timeout=30).json()
        questions = attempt["questions"]
        with app.app_context():  # every save chooses the right option: one stored after grading raises the count
            right = {aq.id: aq.option_order.index(db.session.scalar(select(QuestionOption.id).where(
                QuestionOption.question_id == aq.question_id, QuestionOption.is_correct))) + 1
                for aq in db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt["id"]))}

        def act(i, attempt=attempt, questions=questions, right=right):
            tab, base = _tab(cookies), servers[i % 2]
            if i == 0:
                return "submit", tab.post(f"{base}/api/v1/attempts/{attempt['id']}/submit", json={"auto": True},
                                          timeout=60)
            q = questions[i % len(questions)]
            return q["id"], tab.put(f"{base}/api/v1/attempts/{attempt['id']}/answers/{q['id']}",
                                    json={"option_id": right[q["id"]], "seq": i}, timeout=60)

        results = _all_at_once(16, act)
        assert {r.status_code for _, r in results} <= {200, 409}, [r.text for _, r in results if r.status_code >= 500]
        assert {r.json()["error"] for _, r in results if r.status_code == 409} <= {"attempt_closed"}
        with app.app_context():
            stored = db.session.get(Attempt, attempt["id"])
            answered = set(db.session.scalars(select(Answer.attempt_question_id)
                                              .where(Answer.attempt_id == attempt["id"])))
        assert stored.status == "submitted"
        assert stored.correct == len(answered), trial  # the grade counts every stored answer: none came after it
        assert {qid for qid, r in results if qid != "submit" and r.status_code == 200} <= answered
