"""A request refused, in the words every upstream channel answers with (the HTTP API, the broker's intake): a
status and {"errors": [{"code": …, "message": …}, …]}, and for some, headers (Retry-After, WWW-Authenticate).

Each error's `code` is stable whatever the message says, for a program to act on: the one the error gives, else
the code of the rule its message names first (domain.said: `key.missing`, `body.commands_empty`, `email.invalid`),
else the kind of refusal its status is (`CODES`) for a text no code names. A message of domain.said is written in
the reader's language; its English when no reader is named. An error may list its `problems` (a command's bad
fields), each written the same way."""
from __future__ import annotations

from domain.field_messages import rule_code
from domain.said import ENGLISH, Reader, Said, in_reader

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
        return {"errors": [written(error, kind, reader) for error in self.errors]}


def refused(status: int, message: str, headers: dict[str, str] | None = None) -> Refused:
    """A refusal with one message."""
    return Refused(status, [{"message": message}], headers)


def code_of(message: str | None, kind: str) -> str:
    """The stable code of an error's message: its rule's, else `kind`."""
    return (rule_code(message) if isinstance(message, Said) else None) or kind


def written(error: dict, kind: str, reader: Reader = ENGLISH) -> dict:
    """One error as the body gives it: its code first, its message (and its problems') in the reader's language."""
    message = error.get("message")
    answer = {"code": None, **error}
    answer["code"] = error.get("code") or code_of(message, kind)
    answer["message"] = in_reader(message, reader)
    if "problems" in error:
        answer["problems"] = [written(problem, kind, reader) for problem in error["problems"]]
    return answer
