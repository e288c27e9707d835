"""What the API's routes take from the app they run in: its Client (the store and the broker), the scope of the
key the request presents, and the account a path names, once it is known to exist within that scope."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from domain.api_keys import KeyScope
from domain.commands import account_number
from domain.field_messages import field_label, problem_of, said
from producers.api.echoes import without_long_echoes
from producers.api.refusals import refused
from producers.services.client import Client
from store.reads import queries


async def app_client(request: Request) -> Client:
    """The app's one Client, built with the app (nothing connects at import) and closed when it stops."""
    return request.app.state.client


ApiClient = Annotated[Client, Depends(app_client)]


def key_scope(request: Request) -> KeyScope:
    """What the request's key may do and whom it acts as, resolved by the /v1 routers' key check."""
    return request.state.key_scope


CallerScope = Annotated[KeyScope, Depends(key_scope)]


def existing_account(account: str, client: ApiClient, scope: CallerScope) -> str:
    """The account number of the path, in normal form: 422 if it is none, 404 if no such account exists or the
    key does not cover it (another account's data is not told apart from none)."""
    try:
        number = account_number(account)
    except ValueError as e:
        raise refused(422, said("field.problem", field=field_label("account"),
                                problem=without_long_echoes(problem_of(e), [account]))) from None
    if not scope.covers(number) or not queries.account_exists(client.engine, number):
        raise refused(404, said("account.unknown", account=number))
    return number


ExistingAccount = Annotated[str, Depends(existing_account)]
