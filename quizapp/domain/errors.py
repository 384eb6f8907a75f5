"""Domain errors carry a Vietnamese message meant for the user."""


class DomainError(Exception):
    """A rule was broken; `message` is shown to the user as is (Vietnamese)."""

    code = "domain_error"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
