# ruff: noqa: F811  (the shared fixtures `world` and `clients` are imported from test_authorization)
"""Bad input never gives a 500 (issue 12, item 3): over-large integers in paths, query strings and JSON, strings
longer than their column, NUL and control characters, non-standard or absurd JSON, unsafe `next=`, and a CSV
file too long to import. Each answer is a 4xx with the app's own page (or JSON with a code for /api/), and the
same client can carry on afterwards: no aborted transaction or broken session is left behind.

Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL); PostgreSQL is where most of these failed, because it
refuses NUL in text, checks integer ranges and string lengths, and aborts the transaction on such errors.
"""
from __future__ import annotations

import io
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Round, utcnow
from tests.web.test_authorization import _routes, clients, world  # noqa: F401  (shared fixtures)

BIG = (2**31, 2**63)
ROLES = ("anonymous", "contestant", "organizer", "admin")


def _assert_handled(resp, client, *, expect: set[int] | None = None, signed_in: bool | None = None):
    """No 500, the app's own error page or JSON (never Werkzeug's page), and the client still works."""
    body = resp.get_data(as_text=True)
    what = f"{resp.status_code}: {body[:300]!r}"
    assert resp.status_code < 500, what
    assert "Werkzeug" not in body and "Traceback" not in body, what
    if expect is not None:
        assert resp.status_code in expect, what
    if resp.status_code >= 400:
        if resp.is_json:
            data = resp.get_json()
            assert data.get("error") and data.get("message"), what
        elif resp.mimetype == "text/html":
            assert "Tìm hiểu CCHC" in body, what  # the app's layout, not a bare page
    follow = client.get("/api/v1/session")
    assert follow.status_code == 200, follow.get_data(as_text=True)[:300]
    if signed_in is not None:
        assert follow.get_json()["authenticated"] is signed_in


# ---------------------------------------------------------------- integers in the path


def _int_rules(app):
    for rule, method in _routes(app):
        ints = [n for n, c in rule._converters.items() if type(c).__name__.endswith("IntegerConverter")
                or getattr(c, "num_convert", None) is int]
        if ints:
            yield rule, method, ints


def test_int_rules_found(_migrated_app):
    assert len(list(_int_rules(_migrated_app))) >= 30  # the sweep below would prove nothing on an empty list


@pytest.mark.parametrize("big", BIG, ids=["2^31", "2^63"])
@pytest.mark.parametrize("role", ROLES)
def test_over_large_path_ids_are_not_found(_migrated_app, world, clients, role, big):
    values, _ = world
    client, problems = clients[role], []
    for rule, method, ints in _int_rules(_migrated_app):
        path = rule.rule
        for name in rule.arguments:
            value = big if name in ints else ("csv" if name == "fmt" else values[name])
            path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        resp = client.open(path, method=method, data={}, headers={"Accept": "text/html"})
        body = resp.get_data(as_text=True)
        if resp.status_code not in (404, 405) or "Werkzeug" in body or "Traceback" in body:
            problems.append(f"{method} {path}: {resp.status_code}")
    assert problems == [], "\n".join(problems)
    _assert_handled(client.get("/"), client, expect={200}, signed_in=role != "anonymous")


# ---------------------------------------------------------------- integers in query strings

QUERY_INTS = [  # (role, path, argument): every `type=int` query argument
    ("organizer", "/quan-tri/cau-hoi", "page"), ("organizer", "/quan-tri/cau-hoi", "topic"),
    ("organizer", "/quan-tri/cau-hoi", "difficulty"), ("organizer", "/quan-tri/cau-hoi", "bo"),
    ("organizer", "/quan-tri/cau-hoi/xuat/csv", "bo"),
    ("organizer", "/quan-tri/cuoc-thi/{slug}/kiem-tra/trung-nguoi", "page"),
    ("organizer", "/quan-tri/cuoc-thi/{slug}/kiem-tra/canh-bao", "page"),
    ("organizer", "/quan-tri/cuoc-thi/{slug}/kiem-tra/nhat-ky", "page"),
    ("organizer", "/quan-tri/cuoc-thi/{slug}/ket-qua/dot/{round_id}/xuat.csv", "phien-ban"),
    ("organizer", "/quan-tri/cuoc-thi/{slug}/ket-qua/giai-thuong", "dot"),
    ("organizer", "/quan-tri/cuoc-thi/{slug}/ket-qua/dot/{round_id}/cau-hoi", "trang"),
    ("anonymous", "/ket-qua/dot/{round_id}/tai-ve.csv", "phien-ban"),
    ("anonymous", "/bang-xep-hang/{slug}", "dot"), ("anonymous", "/bang-xep-hang/{slug}", "dia-ban"),
    ("anonymous", "/bang-xep-hang/{slug}", "don-vi"), ("anonymous", "/bang-xep-hang/{slug}", "trang"),
    ("contestant", "/bang-xep-hang/{slug}", "dot"),
    ("anonymous", "/api/v1/contests/{slug}/leaderboard", "round_id"),
    ("anonymous", "/api/v1/contests/{slug}/leaderboard", "area_id"),
    ("anonymous", "/api/v1/contests/{slug}/leaderboard", "unit_id"),
    ("anonymous", "/api/v1/contests/{slug}/leaderboard", "limit"),
    ("anonymous", "/api/v1/contests/{slug}/leaderboard", "offset"),
    ("anonymous", "/api/v1/contests/{slug}/leaderboard/areas", "round_id"),
    ("anonymous", "/api/v1/contests/{slug}/leaderboard/units", "round_id"),
    ("contestant", "/api/v1/contests/{slug}/leaderboard/me", "round_id"),
]


def _fill(path: str, values: dict) -> str:
    return path.format(**values)


def test_query_int_list_matches_the_code():
    """Every `type=int` in the code is listed above (by argument name), so a new one is not forgotten."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "quizapp"
    found = {m for p in root.rglob("*.py") if "cli" not in p.parts
             for m in re.findall(r"""get\("([^"]+)"[^)]*type=int""", p.read_text(encoding="utf-8"))}
    assert found <= {arg for _, _, arg in QUERY_INTS}, found - {arg for _, _, arg in QUERY_INTS}


@pytest.mark.parametrize("big", BIG, ids=["2^31", "2^63"])
@pytest.mark.parametrize(("role", "path", "arg"), QUERY_INTS, ids=[f"{p}?{a}" for _, p, a in QUERY_INTS])
def test_over_large_query_ints_are_400(world, clients, role, path, arg, big):
    values, _ = world
    client = clients[role]
    resp = client.get(_fill(path, values), query_string={arg: str(big)})
    _assert_handled(resp, client, expect={400}, signed_in=role != "anonymous")
    assert arg in resp.get_data(as_text=True)  # the message names the argument


# ---------------------------------------------------------------- the JSON API during an attempt


@pytest.fixture(scope="module")
def open_round(_migrated_app, world):
    """A second round of contest A, open now, with a prediction question and no attempt limit."""
    values, _ = world
    with _migrated_app.app_context():
        first = db.session.get(Round, values["round_id"])
        now = utcnow()
        rnd = Round(contest_id=first.contest_id, number=2, name="Tuần 2", opens_at=now - timedelta(hours=1),
                    closes_at=now + timedelta(days=6), question_count=5, attempts_allowed=None,
                    time_limit_seconds=1200, prediction_mode="perfect_count",
                    prediction_question="Bao nhiêu người trả lời đúng tất cả?")
        db.session.add(rnd)
        db.session.commit()
        return rnd.id


@pytest.fixture
def attempt(clients, open_round):
    """The contestant's attempt in progress in the open round (a new one if the last was submitted)."""
    client = clients["contestant"]
    resp = client.post(f"/api/v1/rounds/{open_round}/attempts")
    if resp.status_code == 409:  # one is in progress already
        with client.application.app_context():
            from quizapp.models import Attempt

            attempt_id = db.session.scalar(select(Attempt.id).where(Attempt.round_id == open_round,
                                                                    Attempt.status == "in_progress"))
        resp = client.get(f"/api/v1/attempts/{attempt_id}")
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)
    data = resp.get_json()
    return {"id": data["id"], "question": data["questions"][0]["id"],
            "option": data["questions"][0]["options"][0]["id"]}


def _api(client, method, url, raw: str | bytes):
    return client.open(url, method=method, data=raw, content_type="application/json",
                       headers={"Accept": "application/json"})


JSON_INTS = [("seq", "answer"), ("option_id", "answer"), ("prediction", "submit")]


@pytest.mark.parametrize("big", [*BIG, "s"], ids=["2^31", "2^63", "string 2^63"])
@pytest.mark.parametrize(("field", "where"), JSON_INTS)
def test_over_large_json_ints_are_4xx(clients, attempt, field, where, big):
    client = clients["contestant"]
    value = str(2**63) if big == "s" else big
    if where == "answer":
        body = {"option_id": attempt["option"], "seq": 1, field: value}
        url, method = f"/api/v1/attempts/{attempt['id']}/answers/{attempt['question']}", "PUT"
    else:
        body, url, method = {field: value}, f"/api/v1/attempts/{attempt['id']}/submit", "POST"
    resp = _api(client, method, url, json.dumps(body))
    _assert_handled(resp, client, expect={400, 422}, signed_in=True)
    if where == "submit":  # the attempt stays open: a refused submission changes nothing
        again = client.get(f"/api/v1/attempts/{attempt['id']}?claim=0")
        assert again.get_json()["status"] == "in_progress"


def test_prediction_has_a_sensible_bound(clients, attempt):
    client = clients["contestant"]
    resp = _api(client, "POST", f"/api/v1/attempts/{attempt['id']}/submit", json.dumps({"prediction": 10**9 + 1}))
    _assert_handled(resp, client, expect={422}, signed_in=True)
    assert resp.get_json()["error"] == "invalid_prediction"


def test_over_large_prediction_in_the_attempt_form(clients, attempt):
    client = clients["contestant"]
    resp = client.post(f"/bai-thi/{attempt['id']}", data={"prediction": str(2**63), "submit": "1"})
    _assert_handled(resp, client, signed_in=True)
    assert client.get(f"/api/v1/attempts/{attempt['id']}?claim=0").get_json()["status"] == "in_progress"


@pytest.mark.parametrize("big", BIG, ids=["2^31", "2^63"])
def test_over_large_option_in_the_attempt_form(clients, attempt, big):
    client = clients["contestant"]
    resp = client.post(f"/bai-thi/{attempt['id']}", data={f"q{attempt['question']}": str(big)})
    _assert_handled(resp, client, expect={302, 400, 422}, signed_in=True)
    resp = client.post(f"/bai-thi/{attempt['id']}", data={f"q{big}": str(attempt["option"])})
    _assert_handled(resp, client, expect={302, 400, 404, 422}, signed_in=True)


BAD_JSON = {
    "NaN": '{"identifier": NaN, "password": "x"}',
    "Infinity": '{"identifier": "a", "password": "x", "remember": -Infinity}',
    "1e400": '{"identifier": "a", "password": "x", "remember": 1e400}',
    "deep": '{"identifier": ' + "[" * 5000 + "]" * 5000 + "}",
    "not utf-8": b'{"identifier": "\xff\xfe"}',
}
JSON_ROUTES = [("POST", "/api/v1/login"), ("POST", "/api/v1/contests/{slug}/register"),
               ("POST", "/api/v1/password-resets"), ("PUT", "/api/v1/attempts/{attempt}/answers/{question}"),
               ("POST", "/api/v1/attempts/{attempt}/submit")]


@pytest.mark.parametrize("kind", BAD_JSON)
@pytest.mark.parametrize(("method", "path"), JSON_ROUTES, ids=[p for _, p in JSON_ROUTES])
def test_non_standard_json_is_400(world, clients, attempt, method, path, kind):
    values, _ = world
    client = clients["contestant"]
    url = path.format(slug=values["slug"], attempt=attempt["id"], question=attempt["question"])
    resp = _api(client, method, url, BAD_JSON[kind])
    _assert_handled(resp, client, expect={400}, signed_in=True)
    assert resp.is_json


# ---------------------------------------------------------------- strings longer than their column


def _register_body(values, n, **kw):
    body = {"full_name": "Trần Thị Dài", "birth_date": "1991-03-04", "gender": "nu", "cccd": f"001191{n:06d}",
            "phone": f"096{n:07d}", "email": "", "area_id": None, "unit_id": None, "category": "citizen",
            "password": "matkhau123", "consent": True}
    body.update(kw)
    return body


@pytest.mark.parametrize(("field", "value", "label"), [
    ("full_name", "Nguyễn " * 30, "Họ và tên"), ("email", "a" * 251 + "@x.vn", "Email"),
    ("area_id", 2**63, None), ("unit_id", str(2**31), None)])
def test_api_register_rejects_over_long_fields(_migrated_app, world, field, value, label):
    values, _ = world
    client = _migrated_app.test_client()
    with _migrated_app.app_context():
        from quizapp.models import Contest
        from quizapp.services import registration

        contest = db.session.scalar(select(Contest).where(Contest.slug == values["slug"]))
        area = registration.selectable_areas(contest)[0].id
    body = _register_body(values, len(field), area_id=area)
    body[field] = value
    resp = _api(client, "POST", f"/api/v1/contests/{values['slug']}/register", json.dumps(body))
    _assert_handled(resp, client, expect={400, 422}, signed_in=False)
    if label:
        assert label in resp.get_json()["message"]


def test_console_round_name_of_100k_characters(world, clients):
    values, _ = world
    client = clients["organizer"]
    resp = client.post(f"/quan-tri/cuoc-thi/{values['slug']}/dot-thi/{values['round_id']}",
                       data={"name": "Đợt " * 25_000, "opens_at": "2026-01-01T08:00", "closes_at": "2026-01-08T08:00",
                             "question_count": "5", "time_limit_minutes": "20", "counting_rule": "best"})
    _assert_handled(resp, client, expect={200, 400, 413, 422}, signed_in=True)
    assert "Tên đợt thi" in resp.get_data(as_text=True) or resp.status_code == 413
    with client.application.app_context():
        assert len(db.session.get(Round, values["round_id"]).name) <= 120


def test_every_string_column_is_checked_before_the_database(_migrated_app, world):
    """The generic check: a value longer than its String(length) column is refused, naming the field."""
    from quizapp.domain.errors import DomainError
    from quizapp.models import User

    with _migrated_app.app_context():
        with pytest.raises(DomainError) as e:  # on assignment: nothing reaches the session
            db.session.add(User(full_name="x" * 121, phone="0911111111"))
        user = db.session.scalar(select(User).limit(1))
        with pytest.raises(DomainError):
            user.email = "a" * 300
        assert user.email != "a" * 300 and not db.session.dirty
        assert "Họ và tên" in e.value.message and "120" in e.value.message
        assert db.session.scalar(select(User.id).where(User.phone == "0911111111")) is None  # still usable


# ---------------------------------------------------------------- NUL and control characters

NUL_CASES = [  # (role, method, path, form or JSON, field)
    ("anonymous", "POST", "/dang-nhap", "form", "identifier"),
    ("anonymous", "POST", "/api/v1/login", "json", "identifier"),
    ("anonymous", "POST", "/quen-mat-khau", "form", "cccd"),
    ("anonymous", "POST", "/api/v1/contests/{slug}/register", "json", "email"),
    ("anonymous", "POST", "/api/v1/contests/{slug}/register", "json", "full_name"),
    ("contestant", "POST", "/ca-nhan/du-lieu/lien-he", "form", "email"),
    ("anonymous", "GET", "/cuoc-thi/{slug}\x00", "path", None),
    ("anonymous", "GET", "/api/v1/contests/{slug}\x00/rounds", "path", None),
    ("anonymous", "GET", "/bang-xep-hang/{slug}", "query", "bang"),
    ("organizer", "GET", "/quan-tri/cau-hoi", "query", "status"),
    ("organizer", "GET", "/quan-tri/cau-hoi", "query", "q"),
    ("organizer", "GET", "/quan-tri/cuoc-thi/{slug}/kiem-tra/trung-nguoi", "query", "status"),
    ("organizer", "POST", "/quan-tri/cau-hoi/moi", "form", "text"),
    ("organizer", "POST", "/quan-tri/cuoc-thi/{slug}/dot-thi/{round_id}", "form", "name"),
]


@pytest.mark.parametrize("char", ["\x00", "\x07"], ids=["NUL", "BEL"])
@pytest.mark.parametrize(("role", "method", "path", "where", "field"), NUL_CASES,
                         ids=[f"{m} {p} {f or 'path'}" for _, m, p, _, f in NUL_CASES])
def test_control_characters_are_400(world, clients, role, method, path, where, field, char):
    values, _ = world
    client = clients[role]
    url = _fill(path, values).replace("\x00", char)
    bad = f"ab{char}c"
    if where == "form":
        resp = client.open(url, method=method, data={field: bad, "password": "x"})
    elif where == "json":
        resp = _api(client, method, url, json.dumps({field: bad, "password": "x"}))
    elif where == "query":
        resp = client.open(url, method=method, query_string={field: bad})
    else:
        resp = client.open(url, method=method)
    expect = {400, 404} if where == "path" else {400}
    _assert_handled(resp, client, expect=expect, signed_in=role != "anonymous")


def test_newlines_and_tabs_in_text_are_kept(world, clients):
    """Only the characters no text needs are refused: a question's line breaks are not."""
    client = clients["organizer"]
    resp = client.get("/quan-tri/cau-hoi", query_string={"q": "thể chế\tmới"})
    _assert_handled(resp, client, expect={200}, signed_in=True)


# ---------------------------------------------------------------- next= after signing in


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: x=1", "/cuoc-thi\n", "/a\tb", "/\\evil.example",
                                    "//evil.example", "https://evil.example/", "/%0d%0aX: y", "javascript:alert(1)"])
def test_unsafe_next_goes_home(_migrated_app, world, target):
    _, logins = world
    client = _migrated_app.test_client()
    resp = client.post("/dang-nhap", query_string={"next": target},
                       data={"identifier": logins["contestant"], "password": "matkhau123"})
    _assert_handled(resp, client, expect={302}, signed_in=True)
    assert resp.headers["Location"] in ("/", "http://localhost/")
    assert "Set-Cookie: x" not in str(resp.headers) and "X: y" not in str(resp.headers)


def test_safe_next_is_followed(_migrated_app, world):
    values, logins = world
    client = _migrated_app.test_client()
    resp = client.post("/dang-nhap", query_string={"next": f"/cuoc-thi/{values['slug']}?a=1"},
                       data={"identifier": logins["contestant"], "password": "matkhau123"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/cuoc-thi/{values['slug']}?a=1")


# ---------------------------------------------------------------- a CSV import too long to check


def test_csv_import_over_the_row_cap_is_refused_quickly(clients):
    import re

    from quizapp.domain.formats.sheets import MAX_ROWS

    client = clients["admin"]
    page = client.get("/quan-tri/cau-hoi/nhap").get_data(as_text=True)
    select_html = page[page.index('name="collection"'):]
    collection = re.search(r'<option[^>]*value="(\d+)"', select_html).group(1)
    lines = ["cau_hoi,phuong_an_a,phuong_an_b,phuong_an_c,phuong_an_d,dap_an,chu_de"]
    lines += [f"Câu hỏi số {i} về thể chế?,A {i},B,C,D,A,the-che" for i in range(MAX_ROWS + 1)]
    data = "\n".join(lines).encode("utf-8")
    started = time.perf_counter()
    resp = client.post("/quan-tri/cau-hoi/nhap", data={"file": (io.BytesIO(data), "cau-hoi.csv"), "fmt": "",
                                                       "collection": collection},
                       content_type="multipart/form-data")
    elapsed = time.perf_counter() - started
    _assert_handled(resp, client, expect={200, 400, 413, 422}, signed_in=True)
    body = resp.get_data(as_text=True)
    assert "quá nhiều" in body and (f"{MAX_ROWS:,}".replace(",", ".") in body or str(MAX_ROWS) in body), body[-3000:]
    assert elapsed < 10, f"{elapsed:.1f} s"
