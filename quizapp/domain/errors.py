"""Domain errors carry a Vietnamese message meant for the user."""


class DomainError(Exception):
    """A rule was broken; `message` is shown to the user as is (Vietnamese)."""

    code = "domain_error"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


# The HTTP status of each rule a request can break, for pages and the API alike; any other rule is 422.
# 401: who you are; 403: not allowed for you; 404: not yours or not there; 409: not in the current state.
HTTP_STATUS = {
    "unauthorized": 401, "invalid_credentials": 401, "password_not_set": 401,
    "forbidden": 403, "account_locked": 403, "disqualified": 403, "consent_withdrawn": 403, "not_registered": 403,
    "not_found": 404,
    "round_not_open": 409, "round_closed": 409, "attempt_limit": 409, "attempt_in_progress": 409,
    "attempt_closed": 409, "time_up": 409, "device_replaced": 409, "cccd_taken": 409, "phone_taken": 409,
    # the live contest: a second answer, or one after the question closed, while paused or too late
    "not_player": 403, "answered": 409, "closed": 409, "late": 409, "paused": 409,
}


def http_status(code: str) -> int:
    return HTTP_STATUS.get(code, 422)
