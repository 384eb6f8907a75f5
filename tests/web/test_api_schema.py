"""Schemathesis over docs/openapi.yaml against the app served on a real port (issue 12).

Every documented operation gets generated requests, valid and invalid, once as an anonymous visitor (a session
and its CSRF token, nobody signed in) and once signed in as a contestant. Each response must not be a server
error, must have a documented status code and content type, and must fit the documented schema and headers;
methods the spec does not list get 405 with `Allow`. Deterministic (derandomized, no example database) and
bounded (MAX_EXAMPLES per operation and run). Results: docs/reliability/api-schema.md.
"""
from __future__ import annotations

import json
import os
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests import dbutil

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
SLUG = "cchc-2026"  # the spec's example slug: the examples phase reaches the real contest
MAX_EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, unsupported_method]

schema = schemathesis.openapi.from_path(SPEC_PATH)
SEEN: Counter = Counter()  # (caller, method path, status) -> requests; written out with SCHEMA_STATS=<file>


@schema.hook
def map_path_parameters(context, path_parameters):
    """Most generated requests go to the real contest and to small ids (rounds, attempts and questions that
    exist), so that the checks see the real answers, not only 404s."""
    if not path_parameters:
        return path_parameters
    out = dict(path_parameters)
    if isinstance(out.get("slug"), str) and len(out["slug"]) % 4 != 3:
        out["slug"] = SLUG
    for name in ("round_id", "attempt_id", "question_id"):
        value = out.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 12:
            out[name] = value % 12
    return out


@dataclass
class Caller:
    """Cookies and the CSRF token one kind of caller sends with every request."""

    name: str
    cookies: dict
    csrf: str


@dataclass
class Served:
    url: str
    app: object
    callers: dict


def _quiet_handler():
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    return Quiet


def _caller(url: str, name: str, phone: str | None = None, round_id: int | None = None) -> Caller:
    """A session from GET /api/v1/session; signed in through POST /api/v1/login when a phone is given, with an
    attempt in progress at `round_id` (for the attempt operations)."""
    with requests.Session() as http:
        token = http.get(f"{url}/api/v1/session", timeout=10).json()["csrf_token"]
        if phone:
            resp = http.post(f"{url}/api/v1/login", json={"identifier": phone, "password": "matkhau123"},
                             headers={"X-CSRFToken": token}, timeout=10)
            assert resp.status_code == 200, resp.text
            token = resp.json()["csrf_token"]
            start = http.post(f"{url}/api/v1/rounds/{round_id}/attempts", headers={"X-CSRFToken": token}, timeout=10)
            assert start.status_code == 201, start.text
        return Caller(name, dict(http.cookies.items()), token)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app on 127.0.0.1 (its own migrated database: SQLite, or PostgreSQL with TEST_DATABASE_URL), the
    journey contest with open rounds, and one registered contestant."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from quizapp import create_app
    from quizapp.extensions import db, limiter
    from quizapp.models import Contest, utcnow
    from tests.factories import register_contestant
    from tests.journey import make_journey_contest

    pg_url = dbutil.create_pg_database("quizapp_schema") if dbutil.pg_admin_url() else None
    url = pg_url or f"sqlite:///{tmp_path_factory.mktemp('schema') / 'live.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "schema-test-secret", "WTF_CSRF_ENABLED": True,
                      "RATELIMIT_ENABLED": False})
    limiter.enabled = False
    with app.app_context():
        upgrade()
        journey = make_journey_contest(utcnow(), slug=SLUG)
        phone = register_contestant(db.session.get(Contest, journey.contest_id), utcnow(), n=1).user.phone
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_quiet_handler())
    thread = threading.Thread(target=server.serve_forever, name="schema-live-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        yield Served(base, app, {"anonymous": _caller(base, "anonymous"),
                                 "contestant": _caller(base, "contestant", phone, journey.round_id)})
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if pg_url:
            dbutil.drop_pg_database(pg_url)


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch):
    from tests.journey import without_rate_limits

    without_rate_limits(monkeypatch)


@pytest.mark.parametrize("who", ["anonymous", "contestant"])
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_the_spec(case, who, served):
    caller = served.callers[who]
    case.headers = {**(case.headers or {}), "X-CSRFToken": caller.csrf}
    case.cookies = {**(case.cookies or {}), **caller.cookies}
    resp = case.call(base_url=served.url, timeout=30)
    SEEN[(who, f"{case.method} {case.operation.path}", resp.status_code)] += 1
    case.validate_response(resp, checks=CHECKS)


def teardown_module():
    if os.environ.get("SCHEMA_STATS"):
        rows = [{"caller": who, "operation": op, "status": status, "requests": n}
                for (who, op, status), n in sorted(SEEN.items())]
        Path(os.environ["SCHEMA_STATS"]).write_text(json.dumps(rows, indent=1), encoding="utf-8")


def test_https_posts_need_a_same_origin_referer(served):
    """What the spec says of CSRF over HTTPS: the token alone is not enough, the Referer must be this site."""
    client = served.app.test_client()
    site = "https://thi.example.vn"
    token = client.get("/api/v1/session", base_url=site).get_json()["csrf_token"]

    def login(base_url=site, **headers):
        return client.post("/api/v1/login", base_url=base_url, json={"identifier": "0999999999", "password": "x"},
                           headers={"X-CSRFToken": token, **headers})

    for refused in (login(), login(Referer="https://khac.example.vn/dang-nhap"), login(Referer="http://thi.example.vn/")):
        assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    assert login(Referer=f"{site}/dang-nhap").get_json()["error"] == "invalid_credentials"  # past the CSRF check
    assert login(base_url="http://thi.example.vn").get_json()["error"] == "invalid_credentials"  # plain HTTP: no Referer


def test_an_undocumented_method_gets_405_with_allow(served):
    resp = requests.delete(f"{served.url}/api/v1/contests/{SLUG}/rounds", timeout=10)
    assert resp.status_code == 405 and resp.json()["error"] == "405"
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
