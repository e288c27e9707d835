"""What every verb shares: the client, options, output and exit codes."""
from __future__ import annotations

import json
import sys
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from domain.validation import describe
from producers.client import Client

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_TIMEOUT = 0, 1, 2, 3

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

By = Annotated[str, typer.Option("--by", help="Who asks: an email or the word 'support'.")]
Wait = Annotated[bool, typer.Option("--wait", help="Block until the command leaves 'queued'.")]
Timeout = Annotated[float, typer.Option("--timeout", help="Seconds --wait waits at most.")]
Json = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")]

_client: Client | None = None


def client() -> Client:
    """One client per process, built on first use."""
    global _client
    if _client is None:
        _client = Client()
    return _client


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    err.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


def invalid(error: ValidationError) -> NoReturn:
    fail(describe(error))


def print_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, default=str) + "\n")


def require_password_stdin(password_stdin: bool) -> None:
    """Passwords come from standard input only, never from arguments (they would show in `ps`)."""
    if not password_stdin:
        fail("--password-stdin is required: passwords are read from standard input, never from arguments")


def read_stdin_lines(count: int, what: str) -> list[str]:
    """Lines from standard input, without their line ends; a clear error if too few."""
    lines = [line.rstrip("\r\n") for line in sys.stdin.readlines()[:count]]
    if len(lines) < count or not all(lines):
        fail(f"expected {what} on standard input")
    return lines
