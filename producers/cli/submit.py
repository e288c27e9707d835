"""Submit one command, print its id, and with --wait its final status."""
from __future__ import annotations

from typing import Any

import typer
from pydantic import ValidationError

from producers.cli.context import EXIT_OK, EXIT_REFUSED, EXIT_TIMEOUT, client, err, invalid, out, print_json
from producers.client import new_command
from store import queries
from store.command_log import APPLIED, QUEUED, SUPERSEDED

_SUCCESS = {APPLIED, SUPERSEDED, "pending"}


def submit(type_: str, *, by: str, account: str, wait: bool, timeout: float, as_json: bool,
           extra: dict[str, Any] | None = None, **fields: Any) -> None:
    """Validate, journal and publish one command; exit with the documented code."""
    try:
        command = new_command(type_, actor=by, source="cli", account=account, **fields)
    except ValidationError as e:
        invalid(e)
    api = client()
    receipt = api.submit([command])
    if not receipt.published:
        err.print("warning: the broker did not take the command now; it is saved and the relay "
                  "will publish it.", markup=False)
    status = {"id": str(command.id), "status": QUEUED, "reason": None}
    if wait:
        api.wait([command.id], timeout)
        shown = queries.command_status(api.engine, command.id)
        status.update(status=shown["status"], reason=shown["reason"])
    status.update(extra or {})
    if as_json:
        print_json(status)
    else:
        _print_human(status, extra or {})
    raise typer.Exit(_exit_code(status["status"], wait))


def _print_human(status: dict, extra: dict) -> None:
    out.print(f"command {status['id']} {status['status']}", markup=False)
    if status["reason"]:
        out.print(status["reason"], markup=False)
    if "temporary_password" in extra:
        out.print(f"temporary password (shown once): {extra['temporary_password']}", markup=False)


def _exit_code(status: str, waited: bool) -> int:
    if not waited:
        return EXIT_OK
    if status == QUEUED:
        err.print("still queued: is a worker running? (envadmin worker)", markup=False)
        return EXIT_TIMEOUT
    return EXIT_OK if status in _SUCCESS else EXIT_REFUSED
