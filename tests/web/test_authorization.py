"""Every route of the app × every kind of visitor, generated from the URL map so that a new route cannot be
forgotten: it must be classified below, and its class decides what each visitor gets.

Visitors: anonymous, a contestant, a moderator of another unit of the contest, an organiser of another contest,
the contest's organiser, a site admin. Console pages of contest A give 404 to staff of contest B (they must not
even learn the page exists), 403 to a moderator trying to decide, and never a 500 to anyone.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.domain.live import LiveSettings
from quizapp.extensions import db
from quizapp.models import DuplicateCandidate, Question, ReviewFlag, StaffMembership, utcnow
from quizapp.services import live, results
from tests.factories import make_contest, make_staff, register_contestant
from tests.results_factories import make_world

ROLES = ("anonymous", "contestant", "moderator_other_unit", "organizer_other_contest", "organizer", "admin")

# Every endpoint, by what it is. A new route fails test_every_route_is_classified until it is added here.
PUBLIC = {"public.home", "public.contest_page", "public.healthz", "public.privacy", "public.leaderboard",
          "public.participation", "public.results", "public.results_download", "static", "auth.login",
          "auth.set_password", "api.get_session", "api.list_areas", "api.list_contests", "api.list_rounds",
          "api.list_units", "api.login", "api.register", "leaderboard_api.get_area_table",
          "leaderboard_api.get_leaderboard", "leaderboard_api.get_unit_table", "contest.register",
          "public.certificate_lookup", "public.certificate_verify", "auth.forgot_password",
          "api.create_password_reset", "live.join_page", "live.join", "live.play", "live.state", "live.stream",
          "live.answer", "live.results", "live.results_csv"}
SIGNED_IN = {"auth.logout", "contest.overview", "contest.start", "contest.attempt_page", "contest.attempt_form",
             "contest.result", "api.get_attempt", "api.save_answer", "api.start_attempt", "api.submit_attempt",
             "leaderboard_api.get_my_standing", "contest.history", "contest.certificate_pdf",
             "personal.my_data", "personal.download_json", "personal.download_xlsx", "personal.update_contact",
             "personal.request_correction", "personal.request_deletion", "api.export_my_data"}
STAFF_SITE = {"admin.dashboard", "admin_bank.questions", "admin_bank.edit_question", "admin_bank.new_question",
              "admin_bank.question_status", "admin_bank.import_questions", "admin_bank.confirm_import",
              "admin_bank.import_template", "admin_bank.export_questions", "admin_bank.topics_page",
              "admin_bank.handbook"}
ORGANIZER_SITE = {"admin_contests.create", "admin_contests.load", "admin_contests.confirm_load"}
ADMIN_SITE = {"admin_staff.index", "admin_staff.detail", "admin_staff.lock", "admin_staff.new_link",
              "admin_staff.remove"}
ENTRY = {"review.entry", "review.edit_identity", "review.disqualify", "review.restore",
         "admin_people.reset_password"}  # one entry (of unit 1): a moderator of unit 2 never reaches it
CONTEST_PREFIXES = ("admin.contest_home", "admin_contests.", "admin_rounds.", "admin_places.", "admin_people.",
                    "admin_results.", "review.", "admin_live.")


def classify(endpoint: str) -> str:
    for name, group in (("public", PUBLIC), ("signed_in", SIGNED_IN), ("staff_site", STAFF_SITE),
                        ("organizer_site", ORGANIZER_SITE), ("admin_site", ADMIN_SITE), ("entry", ENTRY)):
        if endpoint in group:
            return name
    if endpoint.startswith(CONTEST_PREFIXES):
        return "contest"
    return "unclassified"


@pytest.fixture(scope="module")
def world(_migrated_app):
    """Contest A (units 1 and 2, a closed round with results, an entry of unit 1 with a flag and a likely
    duplicate), contest B, and one account of each role."""
    app = _migrated_app
    with app.app_context():
        now = utcnow()
        w = make_world(now - timedelta(days=9))
        a = w.contest
        [entry, twin] = w.people(2, track="officials", unit=0, names=["Lê Văn Một", "Lê Văn Một"])
        w.attempt(entry, 10, 5)
        w.attempt(twin, 20, 5)
        result = results.compute(w.round.id, w.after_close())
        flag = ReviewFlag(contest_id=a.id, kind="fast_attempt", key="k", registration_id=entry.id, detail="nhanh")
        cand = DuplicateCandidate(contest_id=a.id, registration_a_id=entry.id, registration_b_id=twin.id, reason="x")
        db.session.add_all([flag, cand])
        db.session.commit()
        b = make_contest(now, slug="cuoc-thi-b")
        contestant = register_contestant(a, now, n=9)
        organizer = make_staff("btc-a", "organizer", [a])
        make_staff("kd-a2", "moderator", [a], unit=w.units[1])
        make_staff("btc-b", "organizer", [b])
        make_staff("qtv", admin=True)
        member = db.session.scalar(select(StaffMembership.id).where(StaffMembership.user_id == organizer.id))
        live_session = live.create_session(a, LiveSettings("Hội thi", 20, "fixed"), live.QuestionSource(
            picked_ids=(db.session.scalar(select(Question.id)),)), now, organizer)
        values = {"slug": a.slug, "round_id": w.round.id, "result_id": result.id, "registration_id": entry.id,
                  "attempt_id": _attempt_of(entry.id),
                  "candidate_id": cand.id, "flag_id": flag.id, "user_id": organizer.id, "member_id": member,
                  "question_id": db.session.scalar(select(Question.id)), "fmt": "csv", "version": 1,
                  "token": "x" * 32, "filename": "css/app.css", "code": "ABCDEFGHIJKL", "request_id": 1,
                  "live_id": live_session.id}
        logins = {"contestant": contestant.user.phone, "moderator_other_unit": "kd-a2",
                  "organizer_other_contest": "btc-b", "organizer": "btc-a", "admin": "qtv"}
    yield values, logins
    from tests.conftest import _truncate

    _truncate(app)


def _attempt_of(registration_id: int) -> int:
    from quizapp.models import Attempt

    return db.session.scalar(select(Attempt.id).where(Attempt.registration_id == registration_id))


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, values) -> str:
    args = {name: values[name] for name in rule.arguments}
    if rule.endpoint == "admin_bank.export_questions":
        args["fmt"] = "xlsx"
    from flask import url_for

    return url_for(rule.endpoint, **args)


@pytest.fixture(scope="module")
def clients(_migrated_app, world):
    _, logins = world
    out = {"anonymous": _migrated_app.test_client()}
    for role, who in logins.items():
        client = _migrated_app.test_client()
        resp = client.post("/dang-nhap", data={"identifier": who, "password": "matkhau123"})
        assert resp.status_code == 302, (role, resp.get_data(as_text=True)[:300])
        out[role] = client
    return out


def test_every_route_is_classified(_migrated_app):
    unclassified = sorted({r.endpoint for r, _ in _routes(_migrated_app) if classify(r.endpoint) == "unclassified"})
    assert unclassified == [], "classify these routes in tests/web/test_authorization.py: " + ", ".join(unclassified)


def _expected(kind: str, method: str, role: str, decides: bool) -> set[int] | str:
    """The statuses this visitor may get, or "allowed" (anything but refusal or an error)."""
    write = method != "GET"
    if kind in ("public",):
        return "no_error"
    if kind == "signed_in":
        return {302, 401} if role == "anonymous" else "no_error"
    if role == "anonymous":
        return {302, 401}  # to the sign-in page
    if role == "contestant":
        return {404}  # the console does not exist for them
    if kind == "staff_site":
        return "allowed"
    if kind == "organizer_site":
        return {404} if role == "moderator_other_unit" else "allowed"
    if kind == "admin_site":
        return "allowed" if role == "admin" else {404}
    if role == "organizer_other_contest":
        return {404}
    if role == "moderator_other_unit":
        if kind == "entry" and not decides:
            return {404}
        return {403, 404} if (decides or write) else "allowed"
    return "allowed"


@pytest.mark.parametrize("role", ROLES)
def test_each_visitor_gets_what_their_role_allows_on_every_route(_migrated_app, world, clients, role):
    values, _ = world
    client, problems = clients[role], []
    with _migrated_app.test_request_context():
        routes = [(rule, method, _url(rule, values)) for rule, method in _routes(_migrated_app)]
    for rule, method, url in routes:
        kind = classify(rule.endpoint)
        decides = getattr(_migrated_app.view_functions[rule.endpoint], "decides", False)
        expected = _expected(kind, method, role, decides)
        if method != "GET" and expected in ("allowed", "no_error"):
            continue  # acting is tested by the functional tests; here, refusals and errors
        if rule.endpoint == "auth.logout":
            continue  # would end this visitor's session for the routes after it
        resp = client.open(url, method=method, data={})
        status = resp.status_code
        if status >= 500:
            problems.append(f"{method} {url}: {status}")
        elif expected == "allowed" and status in (401, 403, 404):
            problems.append(f"{method} {url}: {status}, should be allowed")
        elif expected == "allowed" and status == 302 and "/dang-nhap" in resp.headers.get("Location", ""):
            problems.append(f"{method} {url}: sent to sign in, should be allowed")
        elif isinstance(expected, set) and status not in expected:
            problems.append(f"{method} {url}: {status}, expected {sorted(expected)}")
    assert problems == [], f"{role}:\n" + "\n".join(problems)
