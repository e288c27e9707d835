"""What every verb shares: the client, options, output and exit codes."""
from __future__ import annotations

import json
import sys
from typing import Annotated, Any, NoReturn
from uuid import UUID

import typer
from pydantic import ValidationError

from config.texts import Text
from domain.clock import SYSTEM_CLOCK, Clock
from domain.field_messages import problem_list
from domain.said import Said
from domain.states import CommandStatus
from domain.validation import problems
from producers.cli.speech import N_, Term, _, language, told
from producers.cli.terminal import SafeConsole
from producers.services.client import Client
from producers.services.reasons import in_reader_language
from store.location import StoreNotFound

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_TIMEOUT = 0, 1, 2, 3

out = SafeConsole(highlight=False, soft_wrap=True)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)

By = Annotated[str, typer.Option("--by", help=N_("Who asks: an email or the word 'support'."))]
Wait = Annotated[bool, typer.Option("--wait", help=N_("Block until the command leaves 'queued'."))]
Timeout = Annotated[float, typer.Option("--timeout", help=N_("Seconds --wait waits at most."))]
Json = Annotated[bool, typer.Option("--json", help=N_("Print exactly one JSON object on stdout."))]
SINCE = N_("a time in ISO 8601 (2025-03-01, 2025-03-01T14:30, UTC unless it gives an offset) or how long ago "
           "(30m, 12h, 7d, 2w)")

NO_WORKER_HINT_SECONDS = 5.0
NO_STORE = N_("%(problem)s; run envadmin from the folder that holds var/, or set ENVADMIN_DATA_DIR (embedded) or "
              "ENVADMIN_DATABASE_URL; `envadmin account create`, `envadmin db upgrade`, `envadmin worker` and "
              "`envadmin demo` create a store")

def as_read_here(found: dict) -> dict:
    """A command read from the journal with its reason in the language of LANG (LC_MESSAGES, LC_ALL,
    LANGUAGE), English by default, and its stable code."""
    return in_reader_language(found, language())


CLOCK: Clock = SYSTEM_CLOCK  # the CLI's one clock: its verbs and the client they share read the time from it
_client: Client | None = None


def client(create_store: bool = False) -> Client:
    """One client per process, built on first use; only verbs that may create a store pass create_store."""
    global _client
    if _client is None:
        try:
            _client = Client(create_store=create_store, clock=CLOCK)
        except StoreNotFound as e:
            fail(NO_STORE, EXIT_REFUSED, problem=e.message)
    return _client


def wait_with_hint(api: Client, ids: list[UUID], timeout: float) -> dict[UUID, str]:
    """Client.wait; after a few seconds with a command still queued, say that no worker seems to run."""
    found = api.wait(ids, min(timeout, NO_WORKER_HINT_SECONDS))
    if timeout > NO_WORKER_HINT_SECONDS and any(found.get(i, CommandStatus.QUEUED) == CommandStatus.QUEUED for i in ids):
        no_worker_hint(NO_WORKER_HINT_SECONDS, timeout)
        found = api.wait(ids, timeout - NO_WORKER_HINT_SECONDS)
    return found


def no_worker_hint(quiet_seconds: float, timeout: float) -> None:
    said = {"quiet": f"{quiet_seconds:g}", "timeout": f"{timeout:g}"}
    err.print(_("nothing applied for %(quiet)ss: no worker seems to be running (start one with `envadmin worker`); "
                "still waiting, up to %(timeout)ss in all") % said, markup=False)


def json_requested() -> bool:
    """Whether the user asked for JSON: then every outcome, errors included, is one object on stdout."""
    return "--json" in sys.argv[1:]


def fail(message: str, code: int = EXIT_USAGE, **params: Any) -> NoReturn:
    """A clear error on stderr, in the CLI's language, and the exit code; with --json, {"error": message} in English
    is the one object on stdout.

    `message` is a text of the catalogues (marked with N_), whose named placeholders `params` fill (a Term or a
    message of the rules among them is translated too), a message of the rules (domain.said) or of the settings
    (config.texts), or a sentence shown as
    it is (a message an exception gave, say).
    """
    if json_requested():
        print_json({"error": message % params if params else message})
    shown = told(message) if isinstance(message, (Said, Text)) else _(message)
    if params:
        shown %= {name: _(value) if isinstance(value, Term) else told(value) for name, value in params.items()}
    err.print(_("error: %(message)s") % {"message": shown}, markup=False)
    raise typer.Exit(code)


def invalid(error: ValidationError) -> NoReturn:
    """A usage error naming each bad field, in the language of LANG (in English in --json's error)."""
    fail(problem_list(problems(error)))


def print_lines(lines: list[str]) -> None:
    for line in lines:
        out.print(line, markup=False)


def print_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, default=str) + "\n")


def require_password_stdin(password_stdin: bool) -> None:
    """Passwords come from standard input only, never from arguments (they would show in `ps`)."""
    if not password_stdin:
        fail(N_("--password-stdin is required: passwords are read from standard input, never from arguments"))


def read_stdin_lines(count: int, what: str) -> list[str]:
    """Lines from standard input, without their line ends; a clear error, naming `what` (marked with N_), if too
    few."""
    lines = [line.rstrip("\r\n") for line in sys.stdin.readlines()[:count]]
    if len(lines) < count or not all(lines):
        fail(N_("expected %(what)s on standard input"), what=Term(what))
    return lines
