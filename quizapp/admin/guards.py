"""Who may open a console page. Scoping itself is decided in services/access.py; this turns it into HTTP.

Signed out → the sign-in page. Signed in without a staff role in the contest → 404 (staff of contest A cannot
learn that a page of contest B exists). A moderator on a page that decides → 403.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user, login_required

from quizapp.services import access, contests


def staff_required(view):
    """Any staff member (admins, organisers, moderators)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Site admins only (others get 404: the page is not theirs to know)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def contest_staff(decide: bool = False):
    """A page of one contest: the view gets `contest` and `access` instead of `slug`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, slug: str, **kwargs):
            contest = contests.get_contest(slug)
            grant = access.for_contest(current_user, contest)
            if contest is None or grant is None:
                abort(404)
            if decide and not grant.can_decide:
                abort(403)
            g.contest, g.access = contest, grant
            return view(*args, contest=contest, access=grant, **kwargs)

        wrapped.decides = decide  # read by the authorization test
        return wrapped

    return decorator
