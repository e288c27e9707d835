"""Verbs for operators: command show, status, database upgrade."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from messaging.broker import describe_broker
from producers.cli import status_watch
from producers.cli.context import EXIT_REFUSED, Json, as_read_here, client, fail, out, print_json, print_lines
from producers.cli.speech import N_, _, word
from producers.cli.views import status_lines
from producers.services.client import Client
from store import webhook_deliveries as deliveries
from store.location import describe as describe_store
from store.metrics import status_counts
from store.migrate import current_revision, head_revision, upgrade
from store.reads import queries

command_app = typer.Typer(help=N_("Submitted commands."), no_args_is_help=True)
db_app = typer.Typer(help=N_("The store's schema."), no_args_is_help=True)


@command_app.command("show", help=N_("A command's status and reason."))
def show(command_id: Annotated[str, typer.Argument(metavar="ID", help=N_("Command id."))],
         as_json: Json = False) -> None:
    try:
        parsed = UUID(command_id)
    except ValueError:
        fail(N_("ID: %(id)r is not a command id (a UUID)"), id=command_id)
    found = queries.command_status(client().engine, parsed)
    if found is None:
        fail(N_("no command %(id)s"), EXIT_REFUSED, id=command_id)
    found = as_read_here(found)
    if as_json:
        print_json(found)
        return
    for key, value in found.items():
        out.print(f"{key:>15}: {word(value) if value is not None else '-'}", markup=False)


def status_report(api: Client) -> dict:
    """Where the store and the broker are, queue depth, commands by status, dead letters, callback deliveries by
    state."""
    return {"store": describe_store(api.settings.effective_database_url),
              "broker": describe_broker(api.settings),
              "queue": api.settings.queue, "queue_depth": api.queue_depth(),
              "commands": status_counts.by_status(api.engine, api.clock.now()),
              "dead_letters": queries.dead_letter_count(api.engine),
              "deliveries": deliveries.counts(api.engine)}


def status(as_json: Json = False,
           watch: Annotated[bool, typer.Option("--watch", help=N_("Show the ops dashboard's figures, drawn again "
                                                                   "every --interval seconds until Ctrl-C."))] = False,
           interval: Annotated[float, typer.Option(min=0.5, max=3600, help=N_("Seconds between two drawings of "
                                                                               "--watch."))] = 2.0) -> None:
    if watch:
        if as_json:
            fail(N_("--watch draws on the terminal; --json prints one object: use one of them"))
        status_watch.watch(client(), interval)
        return
    report = status_report(client())
    if as_json:
        print_json(report)
        return
    print_lines(status_lines(report))


@db_app.command("upgrade", help=N_("Bring the schema up to date (every verb also does it when needed)."))
def db_upgrade() -> None:
    engine = client(create_store=True).engine
    upgrade(engine)
    out.print(_("schema at revision %(revision)s (head %(head)s)") % {"revision": current_revision(engine),
                                                                       "head": head_revision()}, markup=False)
