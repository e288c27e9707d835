"""Verbs for operators: command show, status, dead letters, database upgrade."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from producers.cli.context import EXIT_REFUSED, Json, client, fail, out, print_json
from store import queries
from store.migrate import current_revision, head_revision, upgrade

command_app = typer.Typer(help="Submitted commands.", no_args_is_help=True)
db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)


@command_app.command("show")
def show(command_id: Annotated[str, typer.Argument(metavar="ID", help="Command id.")],
         as_json: Json = False) -> None:
    """A command's status and reason."""
    try:
        parsed = UUID(command_id)
    except ValueError:
        fail(f"ID: {command_id!r} is not a command id (a UUID)")
    found = queries.command_status(client().engine, parsed)
    if found is None:
        fail(f"no command {command_id}", EXIT_REFUSED)
    if as_json:
        print_json(found)
        return
    for key, value in found.items():
        out.print(f"{key:>15}: {value if value is not None else '-'}", markup=False)


def status(as_json: Json = False) -> None:
    """Queue depth, commands by status, dead letters."""
    api = client()
    report = {"queue": api.settings.queue, "queue_depth": api.queue_depth(),
              "commands": queries.status_counts(api.engine),
              "dead_letters": queries.dead_letter_count(api.engine)}
    if as_json:
        print_json(report)
        return
    depth = report["queue_depth"]
    out.print(f"queue {report['queue']}: {depth if depth is not None else 'broker unreachable'} waiting",
              markup=False)
    for name, count in report["commands"].items():
        out.print(f"{name:>11}: {count}", markup=False)
    out.print(f"dead letters: {report['dead_letters']}", markup=False)


def dead_letters(limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 50,
                 as_json: Json = False) -> None:
    """Messages and commands that could not be applied, with why."""
    letters = queries.list_dead_letters(client().engine, limit)
    if as_json:
        print_json({"dead_letters": letters})
        return
    if not letters:
        out.print("no dead letters", markup=False)
    for letter in letters:
        out.print(f"#{letter['id']} {letter['at']} command={letter['command_id'] or '-'}", markup=False)
        out.print(f"    {letter['reason']}", markup=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the schema up to date (every verb also does it when needed)."""
    engine = client().engine
    upgrade(engine)
    out.print(f"schema at revision {current_revision(engine)} (head {head_revision()})", markup=False)
