"""docs/openapi.yaml describes the leaderboard API (quizapp/api/leaderboard.py): every route, and real
responses that fit the documented schemas with no undocumented fields."""
from datetime import timedelta

import pytest

from quizapp.extensions import db
from quizapp.models import User, utcnow
from tests.openapi import check, flask_routes, load_spec, operations, response_schema
from tests.results_factories import make_world

OPERATIONS = {"getLeaderboard", "getAreaTable", "getUnitTable", "getMyStanding"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return load_spec()


def test_every_leaderboard_route_is_documented(app, spec):
    documented = {(path, method): op["operationId"] for path, method, op in operations(spec)}
    served = {key for key in flask_routes(app) if key[0].startswith("/api/v1/contests/{slug}/leaderboard")}
    assert served and {documented.get(key) for key in served} == OPERATIONS


def test_real_leaderboard_responses_fit_the_documented_schemas(app, client, login, spec):
    with app.app_context():
        world = make_world(utcnow() - timedelta(days=8))
        [official] = world.people(1, "officials", unit=0)
        [citizen] = world.people(1, "citizens")
        world.attempt(official, 0, 5)
        world.attempt(citizen, 1, 3, prediction=None)
        official.user.phone = "0912000111"
        official.user.set_password("matkhau123")
        db.session.commit()
        slug, round_id, unit_id = world.contest.slug, world.round.id, world.units[0].id
        area_id, password_hash = world.districts[0].id, official.user.password_hash
    base = f"/api/v1/contests/{slug}/leaderboard"
    seen = set()

    def call(operation_id, status, url):
        resp = client.get(url)
        assert resp.status_code == status, (operation_id, resp.status_code, resp.get_data(as_text=True)[:300])
        check(spec, response_schema(spec, operation_id, status), resp.get_json(), operation_id)
        seen.add(operation_id)

    for query in (f"?round_id={round_id}&track=officials", f"?round_id={round_id}&track=citizens&limit=1&offset=0",
                  f"?track=citizens&area_id={area_id}", f"?round_id={round_id}&track=officials&unit_id={unit_id}"):
        call("getLeaderboard", 200, base + query)
    call("getLeaderboard", 404, f"{base}?track=khong-co")
    call("getLeaderboard", 404, "/api/v1/contests/khong-co/leaderboard")
    call("getAreaTable", 200, f"{base}/areas?round_id={round_id}")
    call("getAreaTable", 200, f"{base}/areas?track=citizens")
    call("getUnitTable", 200, f"{base}/units?round_id={round_id}&track=officials")
    call("getMyStanding", 401, f"{base}/me")
    login("0912000111")
    call("getMyStanding", 200, f"{base}/me?round_id={round_id}")
    call("getMyStanding", 200, f"{base}/me")
    with app.app_context():
        db.session.add(User(role="contestant", full_name="Chưa Đăng Ký", phone="0912000222",
                            password_hash=password_hash))
        db.session.commit()
    client.post("/dang-xuat")
    login("0912000222")
    call("getMyStanding", 404, f"{base}/me")
    assert seen == OPERATIONS
