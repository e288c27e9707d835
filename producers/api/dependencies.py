"""What the API's routes take from the app they run in: its Client (the store and the broker), and the account a
path names, once it is known to exist."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from domain.commands import account_number
from producers.api.echoes import without_long_echoes
from producers.api.refusals import refused
from producers.services.client import Client
from store.reads import queries


async def app_client(request: Request) -> Client:
    """The app's one Client, built with the app (nothing connects at import) and closed when it stops."""
    return request.app.state.client


ApiClient = Annotated[Client, Depends(app_client)]


def existing_account(account: str, client: ApiClient) -> str:
    """The account number of the path, in normal form: 422 if it is none, 404 if no such account exists."""
    try:
        number = account_number(account)
    except ValueError as e:
        raise refused(422, f"account number: {without_long_echoes(str(e), [account])}") from None
    if not queries.account_exists(client.engine, number):
        raise refused(404, f"account {number} does not exist")
    return number


ExistingAccount = Annotated[str, Depends(existing_account)]
