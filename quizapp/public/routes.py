"""Public pages: the home page, a contest's page, leaderboards, published results, the health check."""
from flask import Blueprint, abort, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp import redis_status
from quizapp.domain.certificates import normalize_code
from quizapp.extensions import limiter
from quizapp.models import utcnow
from quizapp.public import formatting
from quizapp.public.results_view import results_page_lists
from quizapp.ratelimits import certificate_lookup_limit, name_search_limit
from quizapp.services import certificates, contests, dashboard, registration
from quizapp.services import leaderboard as leaderboard_service
from quizapp.services import results as results_service
from quizapp.web import download, visible_contest

bp = Blueprint("public", __name__)
formatting.register(bp)
BOARD_PAGE = 50


@bp.get("/")
def home():
    mine = registration.contest_ids_of(current_user.id) if current_user.is_authenticated else set()
    return render_template("public/home.html", contests=dashboard.published_contests(utcnow()), mine=mine)


@bp.get("/cuoc-thi/<slug>")
def contest_page(slug: str):
    contest = visible_contest(slug)
    registered = current_user.is_authenticated and registration.registration_for(current_user.id, contest.id) is not None
    return render_template("public/contest.html", contest=contest, rounds=contests.round_views(contest, utcnow()),
                           registered=registered)


@bp.get("/du-lieu-ca-nhan")
def privacy():
    return render_template("public/privacy.html")


@bp.get("/healthz")
def healthz():
    """503 only when the database is unreachable; Redis down is "degraded" (limits per worker), still 200."""
    redis = redis_status.state()
    extra = {"redis": redis} if redis else {}
    if not contests.database_ok():
        return jsonify(status="error", database="unreachable", **extra), 503
    return jsonify(status="degraded" if redis == "degraded" else "ok", database="ok", **extra)


# ---------------------------------------------------------------- results and leaderboards (no login needed)

RESULT_FILES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _public_cache(resp, personal: bool):
    """Pages showing the visitor's own place are never stored by shared caches; others briefly."""
    resp.headers["Cache-Control"] = "private, no-store" if personal else "public, max-age=15"
    resp.headers["Vary"] = "Cookie"
    return resp


@bp.get("/ket-qua/dot/<int:round_id>")
@bp.get("/ket-qua/dot/<int:round_id>/phien-ban/<int:version>")
@limiter.limit(name_search_limit, exempt_when=lambda: not request.args.get("ten"))
def results(round_id: int, version: int | None = None):
    page = results_service.public_results(round_id, version)
    query = (request.args.get("ten") or "").strip()[:80]
    found = results_service.search_published(page.result, query) if page.result and query else None
    lists = results_page_lists(page.result.summary if page.result else None)
    return render_template("public/results.html", page=page, rnd=page.round, contest=page.round.contest,
                           query=query, found=found, search_limit=results_service.SEARCH_LIMIT, lists=lists)


@bp.get("/ket-qua/dot/<int:round_id>/tai-ve.<fmt>")
def results_download(round_id: int, fmt: str):
    if fmt not in RESULT_FILES:
        abort(404)
    data, filename = results_service.export(round_id, fmt, public=True, version=request.args.get("phien-ban", type=int))
    return download(data, filename, RESULT_FILES[fmt])


def _board_args() -> dict:
    args = request.args
    return {"round_id": args.get("dot", type=int), "track_code": args.get("bang") or None,
            "area_id": args.get("dia-ban", type=int), "unit_id": args.get("don-vi", type=int)}


@bp.get("/bang-xep-hang/<slug>")
def leaderboard(slug: str):
    contest = visible_contest(slug)
    now, a = utcnow(), _board_args()
    page = max(1, request.args.get("trang", 1, type=int))
    board = leaderboard_service.board(contest, now, limit=BOARD_PAGE, offset=(page - 1) * BOARD_PAGE, **a)
    mine = None
    if current_user.is_authenticated:
        mine = leaderboard_service.standing(contest, current_user.id, now, round_id=a["round_id"])
    resp = make_response(render_template(
        "public/leaderboard.html", contest=contest, board=board, mine=mine, page=page, args=a, now=now,
        areas=leaderboard_service.group_areas(contest)[0], units=registration.selectable_units(contest),
        rounds=[v for v in contests.round_views(contest, now) if v.round.is_ranked and v.state != "upcoming"]))
    return _public_cache(resp, personal=current_user.is_authenticated)


@bp.get("/bang-xep-hang/<slug>/tham-gia")
def participation(slug: str):
    contest = visible_contest(slug)
    now, a = utcnow(), _board_args()
    kw = {"round_id": a["round_id"], "track_code": a["track_code"]}
    resp = make_response(render_template(
        "public/participation.html", contest=contest, args=a, now=now,
        area_table=leaderboard_service.area_table(contest, now, **kw),
        unit_table=leaderboard_service.unit_table(contest, now, **kw),
        rounds=[v for v in contests.round_views(contest, now) if v.round.is_ranked and v.state != "upcoming"]))
    return _public_cache(resp, personal=False)


# ---------------------------------------------------------------- verifying a certificate (no login needed)


@bp.get("/chung-nhan")
@limiter.shared_limit(certificate_lookup_limit, scope="certificate_lookup")
def certificate_lookup():
    """The form to type a certificate's code; a typed code goes to its page (written the way it is stored)."""
    typed = (request.args.get("ma") or "").strip()
    if typed:
        code = normalize_code(typed)
        if code:
            return redirect(url_for("public.certificate_verify", code=code))
        return _certificate_page(None, typed, 404)
    return _certificate_page(None, "", 200)


@bp.get("/chung-nhan/<code>")
@limiter.shared_limit(certificate_lookup_limit, scope="certificate_lookup")
def certificate_verify(code: str):
    try:
        found = certificates.verify(code)
    except certificates.CertificateError:
        return _certificate_page(None, code, 404)
    return _certificate_page(found, code, 200)


def _certificate_page(found, typed: str, status: int):
    resp = make_response(render_template("public/certificate.html", found=found, typed=typed,
                                         not_found=status == 404, message=certificates.NOT_FOUND), status)
    resp.headers["Cache-Control"] = "no-store"  # a corrected version changes the answer
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp
