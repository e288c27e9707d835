"""envadmin dead-letters: list what could not be applied, show one with its secrets masked, replay failed commands."""
from __future__ import annotations

import re
from typing import Annotated, Optional

import typer
from pydantic import TypeAdapter, ValidationError

from domain.commands import Actor
from domain.validation import describe
from producers.cli.context import CLOCK, EXIT_REFUSED, SINCE, By, Json, client, fail, print_json, print_lines
from producers.cli.speech import N_, Term
from producers.cli.spoken_help import filled
from producers.cli.views import dead_letter_lines, dead_letter_show_lines, replay_lines
from producers.ops.dead_letter_replay import replay_all_dead_letters, replay_dead_letters
from producers.services.audit_filters import since_time
from store.reads import queries

_LETTER_ID = re.compile(r"[0-9]{1,18}")
_actor = TypeAdapter(Actor)

dead_letters_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)


@dead_letters_app.callback(help=N_(
    "Messages and commands that could not be applied, with why; `show ID` and `replay` for one or more."))
def dead_letters(ctx: typer.Context,
                 limit: Annotated[int, typer.Option(min=1, help=N_("How many, newest first."))] = 50,
                 as_json: Json = False) -> None:
    if ctx.invoked_subcommand is not None:
        return
    letters = queries.list_dead_letters(client().engine, limit)
    if as_json:
        print_json({"dead_letters": letters})
        return
    print_lines(dead_letter_lines(letters))


@dead_letters_app.command("show", help=N_(
    "A dead letter: when, why, its command's status now, its last replay, and its payload with secrets "
    "masked."))
def show(letter_id: Annotated[str, typer.Argument(metavar="ID", help=N_("Dead letter id (a number)."))],
         as_json: Json = False) -> None:
    letter = queries.dead_letter(client().engine, _parsed_id(letter_id))
    if letter is None:
        fail(N_("no dead letter %(id)s"), EXIT_REFUSED, id=letter_id.strip())
    if as_json:
        print_json(letter)
        return
    print_lines(dead_letter_show_lines(letter))


@dead_letters_app.command("replay", help=N_(
    "Put the failed command of each dead letter back in the queue with a fresh attempt budget; audited.\n\n"
    "A dead letter with no replayable command (an unreadable message, a command not failed) is refused with "
    "why; the others still replay. Exits 1 if a dead letter named by its id was refused."))
def replay(by: By,
           letter_ids: Annotated[Optional[list[str]], typer.Argument(metavar="ID", show_default=False,
                                                                     help=N_("Dead letter ids."))] = None,
           every: Annotated[bool, typer.Option("--all", help=N_("Every dead letter not replayed yet."))] = False,
           since: Annotated[Optional[str], typer.Option(
               "--since", help=filled(N_("With --all, only those since: %(since)s."), since=Term(SINCE)))]
           = None,
           as_json: Json = False) -> None:
    if letter_ids and every:
        fail(N_("give dead letter ids or --all, not both"))
    if not letter_ids and not every:
        fail(N_("give the ids of the dead letters to replay, or --all"))
    if since is not None and not every:
        fail(N_("--since goes with --all"))
    try:
        actor = _actor.validate_python(by)
    except ValidationError as e:
        fail(N_("--by: %(problem)s"), problem=describe(e).removeprefix("input: "))
    if every:
        try:
            start = since_time(since, CLOCK.now()) if since is not None else None
        except ValueError:
            fail(N_("--since: %(since)r is not a time: expected %(expected)s"), since=since.strip(),
                 expected=Term(SINCE))
        outcomes = replay_all_dead_letters(client(), actor, start, source="cli")
    else:
        outcomes = replay_dead_letters(client(), list(dict.fromkeys(_parsed_id(i) for i in letter_ids)), actor,
                                       source="cli")
    if as_json:
        print_json({"replays": [outcome.as_dict() for outcome in outcomes]})
    else:
        print_lines(replay_lines(outcomes))
    if not every and not all(outcome.replayed for outcome in outcomes):
        raise typer.Exit(EXIT_REFUSED)


def _parsed_id(text: str) -> int:
    if not _LETTER_ID.fullmatch(text.strip()):
        fail(N_("ID: %(id)r is not a dead letter id (a number)"), id=text)
    return int(text)
