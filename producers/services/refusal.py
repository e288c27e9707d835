"""A request refused, in the words every upstream channel answers with (the HTTP API, the broker's intake): a
status and {"errors": [{"message": …}, …]}, and for some, headers (Retry-After, WWW-Authenticate)."""
from __future__ import annotations


class Refused(Exception):
    """A request answered with an error status and a list of error messages."""

    def __init__(self, status: int, errors: list[dict], headers: dict[str, str] | None = None):
        super().__init__(errors)
        self.status, self.errors, self.headers = status, errors, headers

    def body(self) -> dict:
        """The answer's JSON body."""
        return {"errors": self.errors}


def refused(status: int, message: str, headers: dict[str, str] | None = None) -> Refused:
    """A refusal with one message."""
    return Refused(status, [{"message": message}], headers)
