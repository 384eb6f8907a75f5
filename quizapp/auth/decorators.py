"""Role checks for staff pages."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def roles_required(*roles: str):
    """Only signed-in users with one of `roles` (admins always) may enter; others get a 403 page."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not (current_user.has_role("admin") or current_user.has_role(*roles)):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
