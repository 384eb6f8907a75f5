"""The console's front pages: the staff member's contests, and one contest live."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from quizapp.admin.guards import contest_staff, staff_required
from quizapp.models import utcnow
from quizapp.services import access
from quizapp.services import dashboard as dashboard_service

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")


@bp.get("/")
@staff_required
def dashboard():
    return render_template("admin/dashboard.html", cards=dashboard_service.cards(current_user, utcnow()),
                           may_create=current_user.is_admin or bool(access.organizer_bodies(current_user)))


@bp.get("/cuoc-thi/<slug>/")
@contest_staff()
def contest_home(contest, access):
    tz = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    live = dashboard_service.live(contest, access, utcnow(), tz)
    return render_template("admin/contest_home.html", contest=contest, access=access, live=live)
