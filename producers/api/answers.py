"""The bodies the API answers with, as models for the published schema, and which error statuses each kind of
route can answer (producers/api/refusals.py, bearer_token.py, body_limits.py say why each is sent)."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from domain.states import CommandStatus


class ApiError(BaseModel):
    """One thing wrong with a request."""

    message: str = Field(examples=["account 1001 does not exist"])
    index: int | None = Field(None, description="POST /v1/commands only: the position of the command this "
                                                "message is about, null when the body as a whole is refused")


class ApiErrors(BaseModel):
    """Every refusal of the API: a status and what was wrong, each problem a message."""

    errors: list[ApiError]


class AcceptedCommand(BaseModel):
    id: UUID
    status: CommandStatus = Field(examples=[CommandStatus.QUEUED])
    reason: str | None = None


class Accepted(BaseModel):
    """The commands journalled, in the order sent; read each one's outcome at GET /v1/commands/{id}."""

    commands: list[AcceptedCommand]
    published: bool = Field(description="false: the broker did not take them now; the relay publishes them")


class Health(BaseModel):
    ok: bool
    errors: list[ApiError] | None = None


def _error(description: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"model": ApiErrors, "description": description}
    if headers:
        answer["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                             for name, text in headers.items()}
    return answer


# Every /v1 route checks the bearer token first, and any route may find the store unavailable.
AUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: _error("No API token, or a wrong one", {"WWW-Authenticate": "Bearer"}),
    429: _error("Too many wrong tokens from this address: it is locked out for a while",
                {"Retry-After": "seconds until the address may try again"}),
    503: _error("The API is disabled (no ENVADMIN_API_TOKEN), or the store cannot be used now: try again"),
}
BAD_PARAMETER = {422: _error("A path or query parameter is malformed; the message names it")}
NO_SUCH_ACCOUNT = {404: _error("No such account")}
NO_SUCH_COMMAND = {404: _error("No command with this id")}
SUBMISSION = {
    408: _error("The body was not received in time; the connection is closed"),
    413: _error("The body is larger than the API takes (ENVADMIN_API_MAX_BODY_BYTES); the connection is closed"),
    422: _error("The body is not a command or a batch of commands, or a command is invalid: all are refused, "
                "each bad command named by its index with each of its bad fields"),
}
