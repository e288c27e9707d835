"""Submit one command, print its id, and with --wait its final status."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import typer
from pydantic import ValidationError

from domain.passwords import hash_temporary_password
from domain.states import CommandStatus
from producers.cli.context import (
    CLOCK,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_TIMEOUT,
    as_read_here,
    client,
    err,
    invalid,
    print_json,
    print_lines,
    wait_with_hint,
)
from producers.cli.speech import _
from producers.cli.views import command_lines
from producers.services.client import Client, new_command
from store.reads import queries

_SUCCESS = {CommandStatus.APPLIED, CommandStatus.SUPERSEDED, CommandStatus.PENDING}

# Stands for the hash of a temporary password while the command's fields are checked, before any store is
# opened: the hash is keyed from the master key (domain.passwords), read with the store's settings.
NEW_PASSWORD_HASHED_LATER = "$argon2id$hashed-once-the-store-is-open"


@dataclass(frozen=True)
class NewPassword:
    """A password the CLI made for the user a command creates: shown once, if that user exists.

    Without `password_hash`, a temporary password: hashed with the master key once the store is open.
    """

    email: str
    password: str
    password_hash: str | None

    def hashed(self, api: Client) -> str:
        if self.password_hash is not None:
            return self.password_hash
        return hash_temporary_password(self.password, api.master_keys().current)


def submit(type_: str, *, by: str, account: str, wait: bool, timeout: float, as_json: bool,
           new_password: NewPassword | None = None, create_store: bool = False, **fields: Any) -> None:
    """Validate, journal and publish one command; exit with the documented code.

    A command that creates a user with a password the CLI made is always waited for: the password is
    shown only once its user exists, and never for a refused command.
    """
    try:
        command = new_command(type_, actor=by, source="cli", account=account, clock=CLOCK, **fields)
    except ValidationError as e:
        invalid(e)
    api = client(create_store)
    password_hash = None
    if new_password is not None:
        password_hash = new_password.hashed(api)
        command = command.model_copy(update={"password_hash": password_hash})
    receipt = api.submit([command])
    if not receipt.published:
        err.print(_("warning: the broker did not take the command now; it is saved and the relay will publish it."),
                  markup=False)
    status = {"id": str(command.id), "status": CommandStatus.QUEUED, "reason": None}
    wait = wait or new_password is not None
    if wait:
        wait_with_hint(api, [command.id], timeout)
        shown = as_read_here(queries.command_status(api.engine, command.id))
        status.update(status=shown["status"], reason=shown["reason"])
    caveat = None
    if new_password is not None:
        if status["status"] == CommandStatus.QUEUED:
            status["temporary_password"] = new_password.password
            caveat = _("valid once a worker applies the command and creates the user")
        elif status["status"] == CommandStatus.APPLIED and queries.user_has_password_hash(
                api.engine, new_password.email, password_hash):
            status["temporary_password"] = new_password.password
    if as_json:
        print_json(status)
    else:
        print_lines(command_lines(status, caveat))
    raise typer.Exit(_exit_code(status["status"], wait))


def _exit_code(status: str, waited: bool) -> int:
    if not waited:
        return EXIT_OK
    if status == CommandStatus.QUEUED:
        err.print(_("still queued: is a worker running? (envadmin worker)"), markup=False)
        return EXIT_TIMEOUT
    return EXIT_OK if status in _SUCCESS else EXIT_REFUSED
