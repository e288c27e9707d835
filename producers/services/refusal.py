"""A request refused, in the words every upstream channel answers with (the HTTP API, the broker's intake): a
status and {"errors": [{"code": …, "message": …}, …]}, and for some, headers (Retry-After, WWW-Authenticate).

Each error's `code` is stable whatever the message says, for a program to act on: the one the refusal gives, else
the kind of refusal its status is (`CODES`). A message of the rules (domain.said) is written in the reader's
language; its English when no reader is named."""
from __future__ import annotations

from domain.said import ENGLISH, Reader, Said

CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 406: "not_acceptable", 408: "timeout", 409: "conflict", 410: "gone",
         413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests", 500: "internal",
         503: "unavailable"}


class Refused(Exception):
    """A request answered with an error status and a list of error messages."""

    def __init__(self, status: int, errors: list[dict], headers: dict[str, str] | None = None):
        super().__init__(errors)
        self.status, self.errors, self.headers = status, errors, headers

    def body(self, reader: Reader = ENGLISH) -> dict:
        """The answer's JSON body, its messages in the reader's language."""
        kind = CODES.get(self.status, "error")
        return {"errors": [{"code": kind, **error, **_in_language(error, reader)} for error in self.errors]}


def refused(status: int, message: str, headers: dict[str, str] | None = None) -> Refused:
    """A refusal with one message."""
    return Refused(status, [{"message": message}], headers)


def _in_language(error: dict, reader: Reader) -> dict:
    message = error.get("message")
    return {"message": message.text(reader)} if isinstance(message, Said) else {}
