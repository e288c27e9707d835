"""Turns one onboarding row into a command, or says which field is wrong and why.

A row's command id comes from the job and the row's line, so the same row of the same job is always
the same command (a re-run journals nothing twice). Its issue time comes from the run that journals
it, one microsecond per line: a later line is issued later (a grant then a revoke of one person ends
revoked, whatever order workers apply them in), and a run resumed days later issues its rows then,
not in the past where older commands would win over them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable
from uuid import UUID, uuid5

from pydantic import ValidationError

from domain.commands import Command, command_adapter
from domain.field_messages import said, with_echo
from domain.model import email_key
from domain.validation import what_is_wrong
from producers.onboarding.columns import ECHO_LIMIT, clipped, shown
from producers.onboarding.reader import RowError

ACTIONS = {
    "create_account": "create_account", "add_user": "add_user",
    "grant": "grant_admin", "grant_admin": "grant_admin",
    "revoke": "revoke_admin", "revoke_admin": "revoke_admin",
    "add_member": "add_member", "remove_member": "remove_member",
    "disable_user": "disable_user", "enable_user": "enable_user", "remove_user": "remove_user",
}
_NEEDS = {
    "create_account": ("name", "email", "first_name", "last_name"),
    "add_user": ("email", "first_name", "last_name"),
    "grant_admin": ("email",), "revoke_admin": ("email",),
    "add_member": ("group", "email"), "remove_member": ("group", "email"),
    "disable_user": ("email",), "enable_user": ("email",), "remove_user": ("email",),
}
_CREATES_USER = ("create_account", "add_user")
_NOT_YET_HASHED = "$argon2id$not-yet-hashed"
_COLUMN_OF_FIELD = {"admin_email": "email", "actor": "by"}
_REASON_LIMIT = 300  # characters: a reason is shown on one line

# (line, email) -> the hash of a new temporary password, or RowError if none can be given.
PasswordSource = Callable[[int, str], "str | RowError"]


@dataclass(frozen=True)
class JobRowContext:
    """What every row of one run of a job shares.

    A row's issue time is `issued_from` plus one microsecond per line after `after_line` (the job's
    last line journalled before this run).
    """

    job_id: UUID
    issued_from: datetime
    default_actor: str
    passwords: PasswordSource
    allow_row_actors: bool = False
    after_line: int = 0
    console_account: str | None = None  # an upload from the console: every row acts as its uploader, in this account
    activation: str | None = None  # "mail": a created user gets an activation mail, not a temporary password

    def issued_at(self, line: int) -> datetime:
        return self.issued_from + timedelta(microseconds=line - self.after_line)


def command_id(job_id: UUID, line: int) -> UUID:
    return uuid5(job_id, f"line {line}")


def subject_of(command: Command) -> str | None:
    """The email a command is about, as the store keys it (for ordering checks between rows)."""
    email = getattr(command, "email", None) or getattr(command, "admin_email", None)
    return email_key(email) if email else None


def creates_user(values: dict[str, str]) -> bool:
    """Whether the row's action creates a user (create_account, add_user), however its other cells are."""
    return ACTIONS.get((values.get("action") or "").strip().lower()) in _CREATES_USER


def to_command(line: int, values: dict[str, str], job: JobRowContext) -> Command | RowError:
    cells = {name: value.strip() for name, value in values.items() if value is not None}
    action = cells.get("action", "")
    command_type = ACTIONS.get(action.lower())
    if command_type is None:
        actions = ("create_account, add_user, grant, revoke, add_member, remove_member, disable_user, enable_user, "
                   "remove_user")
        return RowError("action", said("row.action", value=shown(action), actions=actions) if action
                        else said("row.action.empty", actions=actions))
    missing = [name for name in ("account", *_NEEDS[command_type]) if not cells.get(name)]
    if missing:
        return RowError(missing[0], said("row.required.more", action=action, others=", ".join(missing[1:]))
                        if missing[1:] else said("row.required", action=action))
    if job.console_account is not None and cells["account"] != job.console_account:
        return RowError("account", said("row.other_account", value=shown(cells["account"]),
                                        account=job.console_account))
    if cells.get("group") and command_type not in ("add_member", "remove_member"):
        return RowError("group", said("row.group_unused", action=action))
    actor = _actor(cells.get("by", ""), job)
    if isinstance(actor, RowError):
        return actor
    if command_type == "create_account" and actor.casefold() != "support":
        return RowError("by", said("row.support_only", value=shown(actor)))
    fields = {name: cells[name] for name in _NEEDS[command_type]}
    if command_type == "create_account":
        fields["admin_email"] = fields.pop("email")
    if command_type in _CREATES_USER and job.activation is not None:
        fields["activation"] = job.activation
    elif command_type in _CREATES_USER:
        fields["password_hash"] = _NOT_YET_HASHED
    this_id = command_id(job.job_id, line)
    try:
        command = command_adapter.validate_python({
            "type": command_type, "id": this_id, "issued_at": job.issued_at(line),
            "actor": actor, "source": "job" if job.console_account is None else "web", "account": cells["account"],
            "correlation_id": f"job {job.job_id} line {line}", **fields})
    except ValidationError as e:
        return _first_problem(e)
    if command_type not in _CREATES_USER or job.activation is not None:
        return command
    password_hash = job.passwords(line, cells["email"])  # only for a valid row: its password goes to the file
    if isinstance(password_hash, RowError):
        return password_hash
    return command.model_copy(update={"password_hash": password_hash})


def _actor(by: str, job: JobRowContext) -> str | RowError:
    """Who the row acts as: --by, unless the operator lets rows name their own actor."""
    if not by:
        return job.default_actor
    if job.allow_row_actors:
        return by
    if email_key(by) != email_key(job.default_actor) and job.console_account is not None:
        return RowError("by", said("row.not_uploader", value=shown(by), uploader=job.default_actor))
    if email_key(by) != email_key(job.default_actor):
        return RowError("by", said("row.not_job_actor", value=shown(by), actor=job.default_actor))
    return job.default_actor


def _first_problem(error: ValidationError) -> RowError:
    problem = error.errors(include_url=False)[0]
    names = [str(part) for part in problem["loc"] if isinstance(part, str) and part not in ACTIONS.values()]
    field = _COLUMN_OF_FIELD.get(names[-1], names[-1]) if names else None
    reason = what_is_wrong(problem)  # a message of the rules: stored with its codes, read in each reader's language
    echoed = problem.get("input")
    if isinstance(echoed, str) and len(echoed) > ECHO_LIMIT:
        reason = with_echo(reason, echoed, shown(echoed))
    return RowError(field, reason if len(reason) <= _REASON_LIMIT else clipped(str(reason), _REASON_LIMIT))
