"""Rate-limit keys: signed-in actions count per account, so a whole office behind one address can take part."""
from flask import request
from flask_login import current_user


def account_key() -> str:
    """The account for signed-in requests; the address only for anonymous ones."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return f"ip:{request.remote_addr}"
