"""account create, account language and user add: opening an account, the language of its mails, and the verbs that
create users with a temporary password."""
from __future__ import annotations

from typing import Annotated

import typer
from babel import Locale

from domain.field_messages import problem_of
from domain.passwords import check_new_password, generate_temporary_password, hash_password
from languages import SUPPORTED
from producers.cli.context import By, Json, Timeout, Wait, fail, read_stdin_lines
from producers.cli.speech import N_
from producers.cli.spoken_help import filled
from producers.cli.submit import NEW_PASSWORD_HASHED_LATER, NewPassword, submit

account_app = typer.Typer(help=N_("Accounts: opened by support; their language set by their administrators or support."),
                          no_args_is_help=True)
user_app = typer.Typer(help=N_("Users."), no_args_is_help=True)

First = Annotated[str, typer.Option("--first", help=N_("First name."))]
Last = Annotated[str, typer.Option("--last", help=N_("Last name."))]


def _named(spoken: str) -> str:
    """The languages envadmin speaks, each with its name in `spoken`: en (English), fr (French)."""
    names = Locale.parse(spoken).languages
    return ", ".join(f"{code} ({names[code]})" for code in SUPPORTED)


PasswordStdin = Annotated[bool, typer.Option("--password-stdin",
                                             help=N_("Read the temporary password from standard input."))]


def temporary_password(from_stdin: bool, email: str, expires: bool = True) -> tuple[str, NewPassword | None]:
    """The password's hash, and a password the CLI made (to show once its user exists), if it made one."""
    if from_stdin:  # chosen by a person: argon2id
        (password,) = read_stdin_lines(1, N_("the password"))
        try:
            check_new_password(password)
        except ValueError as e:
            fail(problem_of(e))
        return hash_password(password), None
    password = generate_temporary_password()
    if not expires:  # the user keeps it: stored as a person's own password is
        password_hash = hash_password(password)
        return password_hash, NewPassword(email, password, password_hash)
    return NEW_PASSWORD_HASHED_LATER, NewPassword(email, password, None)


@account_app.command("create", help=N_(
    "Open an account with its first administrator (a new user gets a temporary password)."))
def create_account(
    account: Annotated[str, typer.Argument(help=N_("Account number."))],
    name: Annotated[str, typer.Option("--name", help=N_("Account name."))],
    admin: Annotated[str, typer.Option("--admin", help=N_("Email of its first administrator."))],
    first: First, last: Last,
    by: Annotated[str, typer.Option("--by", help=N_("Must be 'support'."))] = "support",
    language: Annotated[str | None, typer.Option("--language", help=filled(N_(
        "The language of the account's mails when their reader's own is not known: %(languages)s. English unless "
        "given."), languages=_named))] = None,
    password_stdin: PasswordStdin = False,
    wait: Wait = False, timeout: Timeout = 30.0, as_json: Json = False,
) -> None:
    password_hash, new_password = temporary_password(password_stdin, admin)
    submit("create_account", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json,
           new_password=new_password, create_store=True, name=name, admin_email=admin, first_name=first, last_name=last,
           password_hash=password_hash, language=language)


@account_app.command("language", help=N_(
    "Set the language the account's mails are written in when their reader's own is not known."))
def set_account_language(
    account: Annotated[str, typer.Argument(help=N_("Account number."))],
    language: Annotated[str, typer.Argument(help=filled(N_(
        "The language of the account's mails when their reader's own is not known: %(languages)s."),
        languages=_named))],
    by: By, wait: Wait = False, timeout: Timeout = 30.0, as_json: Json = False,
) -> None:
    submit("set_account_language", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json,
           language=language)


@user_app.command("add", help=N_(
    "Add a user with a temporary password (generated and shown once unless given on stdin)."))
def add_user(
    email: Annotated[str, typer.Argument(help=N_("Email of the new user."))],
    account: Annotated[str, typer.Option("--account", help=N_("Account number."))],
    by: By, first: First, last: Last,
    password_stdin: PasswordStdin = False,
    no_expire_password: Annotated[bool, typer.Option(
        "--no-expire-password", help=N_("Do not force a password change at first login."))] = False,
    wait: Wait = False, timeout: Timeout = 30.0, as_json: Json = False,
) -> None:
    password_hash, new_password = temporary_password(password_stdin, email, expires=not no_expire_password)
    submit("add_user", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json,
           new_password=new_password, email=email, first_name=first, last_name=last, password_hash=password_hash,
           password_expired=not no_expire_password)
