"""Public pages: the home page, a contest's page, the health check."""
from flask import Blueprint, abort, jsonify, render_template

from quizapp.models import utcnow
from quizapp.services import contests

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    contest = contests.featured_contest()
    views = contests.round_views(contest, utcnow()) if contest else []
    return render_template("public/home.html", contest=contest, rounds=views)


@bp.get("/cuoc-thi/<slug>")
def contest_page(slug: str):
    contest = contests.get_contest(slug) or abort(404)
    return render_template("public/home.html", contest=contest, rounds=contests.round_views(contest, utcnow()))


@bp.get("/du-lieu-ca-nhan")
def privacy():
    return render_template("public/privacy.html")


@bp.get("/healthz")
def healthz():
    if contests.database_ok():
        return jsonify(status="ok", database="ok")
    return jsonify(status="error", database="unreachable"), 503
