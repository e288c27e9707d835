"""login and password change: synchronous checks against the store, passwords only on standard input."""
from __future__ import annotations

from typing import Annotated

import typer

from domain.emails import checked_email
from domain.field_messages import field_label, problem_of, said
from domain.login import LoginResult
from producers.cli.context import (
    EXIT_REFUSED,
    Json,
    client,
    err,
    fail,
    out,
    print_json,
    read_stdin_lines,
    require_password_stdin,
)
from producers.cli.speech import N_, _, told
from producers.services.local_client import local_client
from producers.services.password_reset import ask_for_reset
from store import credentials
from store.password_resets import TooManyResets

password_app = typer.Typer(help=N_("Passwords."), no_args_is_help=True)

Email = Annotated[str, typer.Argument(help=N_("Email of the user."))]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help=N_("Read the password(s) from standard input."))]


def _report(email: str, result: LoginResult, as_json: bool) -> None:
    """Exit 0 with the sentence on stdout, or 1 with the reason on stderr."""
    if not result.ok:
        if as_json:
            print_json({"email": email, "ok": False, "reason": result.reason})
        err.print(_("error: %(message)s") % {"message": told(result.reason)}, markup=False)
        raise typer.Exit(EXIT_REFUSED)
    if as_json:
        print_json({"email": email, "ok": True, "reason": result.reason})
    else:
        out.print(told(result.reason), markup=False)


def login(email: Email, password_stdin: PasswordStdin = False, as_json: Json = False) -> None:
    require_password_stdin(password_stdin)
    (password,) = read_stdin_lines(1, N_("the password"))
    api = client()
    result = credentials.login(api.engine, email, password, api.clock.now(), client=local_client(),
                               keys=api.master_keys())
    _report(email, result, as_json)


@password_app.command("change", help=N_(
    "Set a permanent password: the current one, then the new one, one per line on standard input."))
def change(email: Email, password_stdin: PasswordStdin = False, as_json: Json = False) -> None:
    require_password_stdin(password_stdin)
    current, new = read_stdin_lines(2, N_("the current password, then the new one, one per line"))
    api = client()
    try:
        result = credentials.change_password(api.engine, email, current, new, api.clock.now(),
                                             client=local_client(), keys=api.master_keys())
    except ValueError as e:
        fail(problem_of(e))
    _report(email, result, as_json)


@password_app.command("forgot", help=N_(
    "Mail a single-use link to set a new password, if the email has a user (the answer is the same if not)."))
def forgot(email: Email, as_json: Json = False) -> None:
    try:
        email = checked_email(email)
    except ValueError as e:
        fail(said("field.problem", field=field_label("email"), problem=problem_of(e)))
    api = client()
    try:
        sentence = ask_for_reset(api, email, local_client())
    except TooManyResets as refusal:
        if as_json:
            print_json({"email": email, "ok": False, "reason": str(refusal)})
        err.print(_("error: %(message)s") % {"message": refusal}, markup=False)
        raise typer.Exit(EXIT_REFUSED)
    if as_json:
        print_json({"email": email, "ok": True, "reason": sentence})
    else:
        out.print(sentence, markup=False)
