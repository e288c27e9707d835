"""What every console page starts with: the person signed in must administer the account, else 404 (the page is
then in the account's language, unless its reader asked for another); and how a page submits a command as that
person (source `web`) through the producers' path, as the CLI does."""
from __future__ import annotations

from fastapi import Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from domain.commands import Command
from domain.validation import what_is_wrong
from producers.services.client import new_command
from producers.web import sessions
from producers.web.language import default_to, said_here
from store.reads import accounts

SOURCE = "web"


class SignInFirst(Exception):
    """A console page asked by someone not signed in: the app sends them to /login and back."""


async def administrator(request: Request, account: str) -> str:
    """The signed-in email, if it administers the account; 404 otherwise (the page does not say it exists). The
    page is in the account's language unless its reader asked for one."""
    email = sessions.signed_in(request)
    if email is None:
        raise SignInFirst()
    account_language = await run_in_threadpool(accounts.administered_language, request.app.state.client.engine,
                                                account, email)
    if account_language is None:
        raise HTTPException(404)
    default_to(account_language)
    return email


def command_or_errors(request: Request, type_: str, actor: str, account: str, form_names: dict[str, str],
                      **fields) -> Command | dict[str, str]:
    """The command, issued now by the app's clock, or what is wrong with each field, keyed by the form's name for
    it (shown beside it), in the page's language."""
    try:
        return new_command(type_, actor=actor, source=SOURCE, account=account, clock=request.app.state.client.clock,
                           **fields)
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors(include_url=False):
            field = next((str(part) for part in reversed(problem["loc"]) if str(part) in form_names), None)
            text = said_here(what_is_wrong(problem))
            name = form_names.get(field) if field else next(iter(form_names.values()))
            errors.setdefault(name, text[:1].upper() + text[1:])
        return errors


async def submit(request: Request, cmd: Command) -> None:
    """Journalled, then published (the relay publishes it if the broker cannot take it now)."""
    await run_in_threadpool(request.app.state.client.submit, [cmd])
