"""docs/openapi.yaml describes the API that quizapp/api/routes.py serves: the same paths and methods, and
real responses that fit the documented schemas (no undocumented fields)."""
from __future__ import annotations

import re

import pytest

from quizapp.models import utcnow
from tests.journey import PASSWORD, make_journey_contest, without_rate_limits
from tests.openapi import SPEC_PATH, check, flask_routes, load_spec, operations, resolve, response_schema

OPERATIONS = {"getSession", "listAreas", "listUnits", "register", "login", "listRounds", "startAttempt",
              "getAttempt", "saveAnswer", "submitAttempt", "createPasswordReset",
              "exportMyData"}
# The helpers' former names here, for tests that still import them from this module.
_check, _flask_routes, _operations, _resolve, _response_schema = check, flask_routes, operations, resolve, response_schema


@pytest.fixture(scope="module")
def spec() -> dict:
    return load_spec()


def test_the_spec_is_openapi_3_with_every_operation(spec):
    assert str(spec["openapi"]).startswith(("3.0", "3.1"))
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    assert set(ids) >= OPERATIONS, OPERATIONS - set(ids)


def test_every_documented_operation_is_a_real_route(app, spec):
    routes = flask_routes(app)
    for path, method, op in operations(spec):
        assert (path, method) in routes, f"{method.upper()} {path} ({op['operationId']}) is not served"
        converters = routes[(path, method)]
        params = {p["name"]: p for p in (resolve(spec, p) for p in op.get("parameters", [])) if p["in"] == "path"}
        assert set(params) == set(converters), f"{op['operationId']}: path parameters differ"
        for name, conv in converters.items():
            assert params[name]["schema"]["type"] == ("integer" if conv == "int" else "string"), (op["operationId"], name)


def test_every_api_route_is_documented(app, spec):
    documented = {(path, method) for path, method, _ in operations(spec)}
    missing = set(flask_routes(app, only_api_blueprint=True)) - documented
    assert not missing, f"routes of quizapp/api/routes.py missing from docs/openapi.yaml: {sorted(missing)}"


def test_every_reference_resolves_and_errors_use_the_error_schema(spec):
    text = SPEC_PATH.read_text(encoding="utf-8")
    for ref in set(re.findall(r'\$ref:\s*"([^"]+)"', text)):
        resolve(spec, {"$ref": ref})  # KeyError if dangling
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"] and set(error["properties"]) == {"error", "message", "field"}
    for _, _, op in operations(spec):
        for status, response in op["responses"].items():
            response = resolve(spec, response)
            schema = response["content"]["application/json"]["schema"]
            if int(status) >= 400:
                assert schema == {"$ref": "#/components/schemas/Error"}, (op["operationId"], status)
    schemes = spec["components"]["securitySchemes"]
    assert schemes["csrfHeader"] == {**schemes["csrfHeader"], "type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    for _path, method, op in operations(spec):
        if method in ("post", "put"):  # every change needs the CSRF header
            assert any("csrfHeader" in req for req in op["security"]), op["operationId"]


# ------------------------------------------------------------------ real responses fit the schemas


def test_the_schema_check_refuses_undocumented_fields_wrong_types_and_missing_fields(spec):
    error = {"$ref": "#/components/schemas/Error"}
    check(spec, error, {"error": "not_found", "message": "Không tìm thấy."})
    for wrong in ({"error": "not_found", "message": "Không tìm thấy.", "stack": "..."}, {"error": "not_found"},
                  {"error": "not_found", "message": 404}):
        with pytest.raises(AssertionError):
            check(spec, error, wrong)


def test_real_responses_fit_the_documented_schemas(app, client, spec, monkeypatch):
    without_rate_limits(monkeypatch)
    with app.app_context():
        journey = make_journey_contest(utcnow())
    seen = set()

    def call(operation_id, status, method, url, body=None):
        resp = client.open(url, method=method, json=body)
        assert resp.status_code == status, (operation_id, resp.status_code, resp.get_data(as_text=True)[:300])
        check(spec, response_schema(spec, operation_id, status), resp.get_json(), operation_id)
        seen.add(operation_id)
        return resp.get_json()

    slug = journey.slug
    call("getSession", 200, "GET", "/api/v1/session")
    areas = call("listAreas", 200, "GET", f"/api/v1/contests/{slug}/areas")["areas"]
    call("listUnits", 200, "GET", f"/api/v1/contests/{slug}/units")
    call("listRounds", 200, "GET", f"/api/v1/contests/{slug}/rounds")
    body = {"full_name": "Vàng Thị Dợ", "birth_date": "1992-02-29", "gender": "nu", "cccd": "010192000077",
            "phone": "0389000077", "email": "do@example.vn", "area_id": areas[0]["id"], "unit_id": None,
            "category": "citizen", "password": PASSWORD, "consent": True}
    call("register", 422, "POST", f"/api/v1/contests/{slug}/register", {**body, "consent": False})
    call("register", 201, "POST", f"/api/v1/contests/{slug}/register", body)
    call("register", 409, "POST", f"/api/v1/contests/{slug}/register", body)
    forgot = {"cccd": "010192000077", "birth_date": "1992-02-29", "phone": "0389000077"}
    call("createPasswordReset", 422, "POST", "/api/v1/password-resets", {**forgot, "phone": "0389000078"})
    call("createPasswordReset", 201, "POST", "/api/v1/password-resets", forgot)
    call("login", 200, "POST", "/api/v1/login", {"identifier": "010192000077", "password": PASSWORD})
    call("login", 401, "POST", "/api/v1/login", {"identifier": "010192000077", "password": "khong-dung"})
    call("getSession", 200, "GET", "/api/v1/session")

    for round_id in (journey.round_id, journey.practice_round_id):
        attempt = call("startAttempt", 201, "POST", f"/api/v1/rounds/{round_id}/attempts")
        base = f"/api/v1/attempts/{attempt['id']}"
        q = attempt["questions"][0]
        call("saveAnswer", 200, "PUT", f"{base}/answers/{q['id']}", {"option_id": q["options"][0]["id"], "seq": 5})
        call("saveAnswer", 422, "PUT", f"{base}/answers/{q['id']}", {"option_id": 1_000_000})
        call("getAttempt", 200, "GET", base)
        if round_id == journey.round_id:
            call("submitAttempt", 422, "POST", f"{base}/submit", {})
        call("submitAttempt", 200, "POST", f"{base}/submit", {"prediction": 9})
        call("getAttempt", 200, "GET", base)
        call("saveAnswer", 409, "PUT", f"{base}/answers/{q['id']}", {"option_id": q["options"][0]["id"]})
    call("listRounds", 200, "GET", f"/api/v1/contests/{slug}/rounds")
    call("startAttempt", 409, "POST", f"/api/v1/rounds/{journey.upcoming_round_id}/attempts")
    call("getAttempt", 404, "GET", "/api/v1/attempts/999999")
    mine = call("exportMyData", 200, "GET", "/api/v1/me/data")
    assert mine["account"]["cccd"] == "010192000077" and len(mine["attempts"]) == 2
    client.post("/dang-xuat")
    call("getAttempt", 401, "GET", "/api/v1/attempts/1")
    call("exportMyData", 401, "GET", "/api/v1/me/data")
    assert seen == OPERATIONS
