"""The bodies the API answers with, as models for the published schema, and which error statuses each kind of
route can answer (producers/api/refusals.py, bearer_token.py, body_limits.py say why each is sent)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.field_messages import field_label, problem_list
from domain.states import CommandStatus
from producers.api.idempotency_header import IDEMPOTENCY_KEY, REPLAYED
from producers.services.api_messages import said
from producers.services.idempotent_submission import in_flight_message, mismatch_message
from producers.services.refusal import CODES, written


class ApiProblem(BaseModel):
    """One bad field of a command."""

    field: str | None = Field(description="the field as it is sent (`email`, `type`); null for a check of the "
                                          "command as a whole (`sign_in.required`)")
    code: str = Field(description="the stable code of the rule the field breaks", examples=["email.invalid"])
    message: str = Field(description="what is wrong with it, in the language Accept-Language asks for")


class ApiError(BaseModel):
    """One thing wrong with a request."""

    code: str = Field(description="what is wrong, as a stable code whatever the message says: `key.missing`, "
                                  "`key.wrong`, `body.commands_empty`, `account.unknown`, …; for a command's bad "
                                  "field, the code of the rule it breaks first (`field.required`, `email.invalid`, "
                                  "…); the kind of refusal (`invalid`, `not_found`, …) for a message no code names",
                      examples=["key.wrong", "email.invalid"])
    message: str = Field(description="what is wrong, in the language Accept-Language asks for (English or French), "
                                     "else English")
    index: int | None = Field(None, description="POST /v1/commands only: the position of the command this "
                                                "message is about, null when the body as a whole is refused")
    problems: list[ApiProblem] | None = Field(None, description="POST /v1/commands, an invalid command only: each "
                                                                "of its bad fields apart, in the order `message` "
                                                                "names them")


class ApiErrors(BaseModel):
    """Every refusal of the API: a status and what was wrong, each problem a message."""

    errors: list[ApiError]


class Answer(BaseModel):
    """A successful answer's body: exactly these fields."""

    model_config = ConfigDict(extra="forbid")


class AcceptedCommand(Answer):
    id: UUID
    status: CommandStatus = Field(examples=[CommandStatus.QUEUED])
    reason: str | None = None


class Accepted(Answer):
    """The commands journalled, in the order sent; read each one's outcome at GET /v1/commands/{id}."""

    commands: list[AcceptedCommand]
    published: bool = Field(description="false: the broker did not take them now; the relay publishes them")


class CommandState(Answer):
    """A command's status and, once a worker reached one, its outcome in words."""

    id: UUID
    type: str
    account: str
    status: CommandStatus
    reason: str | None = Field(description="the outcome in words, in the language Accept-Language asks for "
                                           "(English or French; English by default)")
    reason_code: str | None = Field(description="the outcome's stable code, the same in every language "
                                                "(e.g. `admin.granted`, `user.unknown`); null for a command not "
                                                "yet applied, or journalled before the codes")
    attempts: int
    issued_at: datetime
    finished_at: datetime | None
    correlation_id: str


NextCursor = Annotated[str | None, Field(description="the cursor of the next page, to pass as `after`; null: "
                                                    "this is the last page")]


class SubmittedCommand(CommandState):
    submitted_at: datetime


class CommandList(Answer):
    """A page of the commands the key submitted, newest first."""

    items: list[SubmittedCommand]
    next: NextCursor


class Person(Answer):
    email: str = Field(description="as first typed")


class AccountShown(Answer):
    """An account: its number, its name, and the language its mails are written in when their reader's own is not
    known."""

    account: str
    name: str
    language: str = Field(description="en or fr; set with the command set_account_language")


class AdministratorList(Answer):
    """A page of the account's administrators, by email (case-folded)."""

    account: str
    items: list[Person]
    next: NextCursor


class PendingGrant(Answer):
    email: str
    group: str = Field(description="the group the grant adds the person to; Account Administrators: an admin grant")
    invited_by: str
    issued_at: datetime
    command_id: UUID = Field(description="the grant's command, whose status tells how it ends")


class PendingGrantList(Answer):
    """A page of the grants waiting for their invitee to register, by email, then group."""

    account: str
    items: list[PendingGrant]
    next: NextCursor


class Group(Answer):
    name: str


class GroupList(Answer):
    """A page of the account's groups, by name (case-folded); a group's members are a list of their own."""

    account: str
    items: list[Group]
    next: NextCursor


class MemberList(Answer):
    """A page of a group's members, by email (case-folded)."""

    account: str
    group: str
    items: list[Person]
    next: NextCursor


class OpenInvite(Answer):
    id: UUID
    email: str
    invited_by: str
    created_at: datetime
    expires_at: datetime


class OpenInviteList(Answer):
    """A page of the invites that can still be used to register, newest first."""

    account: str
    items: list[OpenInvite]
    next: NextCursor


class AccountUser(Answer):
    """A user of the account as its directory shows them."""

    email: str = Field(description="as first typed")
    first_name: str
    last_name: str
    state: str = Field(description="active, must change password, activation mail sent, locked out or disabled")
    last_sign_in_at: datetime | None
    added_at: datetime = Field(description="when the person became a user of this account")
    disabled_at: datetime | None
    groups: list[str] = Field(description="the account's groups the person is a member of, by name")


class AccountUserList(Answer):
    """A page of the account's users, by email (case-folded)."""

    account: str
    items: list[AccountUser]
    next: NextCursor


class AuditEntry(Answer):
    id: int
    at: datetime
    actor: str
    source: str
    action: str
    target: str
    detail: str
    command_id: UUID
    api_key: str | None = Field(description="the name of the API key that submitted the command; null: none did")


class AuditTrailPage(Answer):
    """A page of the account's audit trail, newest first."""

    account: str
    items: list[AuditEntry]
    next: NextCursor


class OutcomeEventBody(Answer):
    """One outcome of one command a key submitted: the body of a callback, and an item of the event feed."""

    type: str = Field(examples=["command.applied"], description="command.<status>: applied, pending, rejected, "
                                                                "failed, superseded or expired")
    id: UUID = Field(description="the command's id")
    account: str
    status: CommandStatus
    reason: str | None = Field(description="the outcome in words, in English")
    reason_code: str | None = Field(description="the outcome's stable code (e.g. `admin.granted`, "
                                                "`invite.sent.admin`, `user.unknown`); null for none")
    command_type: str = Field(examples=["grant_admin"])
    event_id: UUID = Field(description="the event's own id: a callback's webhook-id, the same on each retry")
    occurred_at: datetime


class EventPage(Answer):
    """The next events of the feed, oldest first."""

    events: list[OutcomeEventBody]
    next: str | None = Field(description="the `after` cursor to read on from; null: no event after these yet "
                                         "(read again with the same `after` later)")


class ServiceStatus(Answer):
    queue: str
    queue_depth: int | None = Field(description="null: the broker does not answer")
    commands: dict[str, int] = Field(description="how many commands have each status")
    dead_letters: int


class Health(Answer):
    ok: bool
    errors: list[ApiError] | None = None


def _error(status: int, description: str, *messages: str | dict, headers: dict[str, str] | None = None
           ) -> dict[str, Any]:
    """An error status (`status`): its description, its body's model, and an example of its body with `messages`, each a
    message or an error ({"index", "message", "problems"})."""
    errors = [written({"message": m} if isinstance(m, str) else m, CODES[status]) for m in messages]
    answer: dict[str, Any] = {"model": ApiErrors, "description": description,
                              "content": {"application/json": {"example": {"errors": errors}}}}
    if headers:
        answer["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                             for name, text in headers.items()}
    return answer


# Every /v1 route checks the bearer token first, and any route may find the store unavailable.
AUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: _error(401, "No API key, or a wrong, revoked or expired one", said("key.wrong"),
                headers={"WWW-Authenticate": "Bearer"}),
    429: _error(429, "Too many wrong tokens from this address: it is locked out for a while",
                said("key.locked.address", why=said("login.locked", until="2026-01-31 09:15:00 UTC")),
                headers={"Retry-After": "seconds until the address may try again"}),
    503: _error(503, "The store cannot be used now, or the server has no master key to check API keys: try again",
                said("store.unavailable")),
}
BAD_PARAMETER = {422: _error(422, "A path or query parameter is malformed; the message names it",
                             said("field.problem", field=field_label("account"),
                                  problem=said("account.malformed", value="'x'")))}
NO_SUCH_ACCOUNT = {404: _error(404, "No such account", said("account.unknown", account="1001"))}
BAD_CURSOR = {422: _error(422, "`after` is not a cursor this API gave, or `limit` is out of range",
                          said("cursor.event_feed", value="'xyz'"))}
NO_SUCH_GROUP = {404: _error(404, "No such account, or no such group in it",
                             said("group.none", group="'Platform'", account="1001"))}
NO_SUCH_COMMAND = {404: _error(404, "No command with this id",
                               said("command.unknown", command="3f2b8c1e-5d4a-4e7b-9c0d-2a1b3c4d5e6f"))}
_MISSING_EMAIL = said("field.problem", field=field_label("email"), problem=said("field.required"))
_UNKNOWN_TYPE = said("field.problem", field=said("text", text="type"),
                     problem=said("field.command_type", value="'grant'",
                                  types="create_account, add_user, grant_admin, ..."))
_NO_NAMES = said("field.problem", field=field_label("first_name"), problem=said("field.required"))
SUBMISSION = {
    400: _error(400, "The Idempotency-Key header is malformed (1 to 255 printable ASCII characters) or given twice",
                said("idempotency.too_long", what=IDEMPOTENCY_KEY, length=300, maximum=255)),
    403: _error(403, "A command the key may not submit: another account than the key's, or another actor than its "
                "person; all are refused, each named by its index",
                {"index": 0, "message": said("key.other_account", key="hr-sync", account="2002", accounts="1001")}),
    408: _error(408, "The body was not received in time; the connection is closed",
                said("body.too_slow", seconds="10")),
    409: _error(409, "The first request with this Idempotency-Key is still being handled: try again after Retry-After",
                in_flight_message(IDEMPOTENCY_KEY), headers={"Retry-After": "seconds to wait before trying again"}),
    413: _error(413, "The body is larger than the API takes (ENVADMIN_API_MAX_BODY_BYTES); the connection is closed",
                said("body.too_large", maximum=1048576)),
    422: _error(422, "The body is not a command or a batch of commands, or a command is invalid: all are refused, "
                "each bad command named by its index (null: the body as a whole), its `problems` each of its bad "
                "fields. Or the Idempotency-Key was used before with another body (nothing is journalled): "
                f"`{mismatch_message(IDEMPOTENCY_KEY)}`",
                {"index": 1, "message": problem_list([_MISSING_EMAIL]),
                 "problems": [{"field": "email", "message": _MISSING_EMAIL}]},
                {"index": 3, "message": problem_list([_UNKNOWN_TYPE, _NO_NAMES]),
                 "problems": [{"field": "type", "message": _UNKNOWN_TYPE},
                              {"field": "first_name", "message": _NO_NAMES}]}),
}
REPLAYED_HEADER = {REPLAYED: {
    "description": "`true` when this is the first answer to the request's Idempotency-Key given again: nothing "
                   "new was journalled", "schema": {"type": "string", "enum": ["true"]}}}
