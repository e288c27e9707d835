"""The account's users under /v1/accounts/{account}/users: the directory a page at a time (search, state), one
user, and what an administrator does to a user — disable, enable, reset the password, remove — each submitted
as the command POST /v1/commands would take (the same scope checks, the same Idempotency-Key semantics) and
answered 202 with its id."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request

from producers.api.answers import (
    AUTHENTICATED,
    BAD_PARAMETER,
    NO_SUCH_ACCOUNT,
    REPLAYED_HEADER,
    SUBMISSION,
    Accepted,
    AccountUser,
    AccountUserList,
)
from producers.api.bearer_token import v1_router
from producers.api.command_body import parsed_body
from producers.api.command_examples import EXAMPLE_PASSWORD_HASH
from producers.api.command_routes import submit_items
from producers.api.dependencies import ApiClient, CallerScope, existing_account
from producers.api.paging import Cursors, PageRequest, Text
from producers.api.parameters import AccountInPath
from producers.api.refusals import refused
from producers.services.api_messages import said
from store.reads import directory

router = v1_router()
USERS = Cursors("users", Text)
LISTED = {**AUTHENTICATED, **NO_SUCH_ACCOUNT, **BAD_PARAMETER}
State = Literal["active", "must change password", "activation mail sent", "locked out", "disabled"]
EmailInPath = Annotated[str, Path(description="the user's email, in any letter case", max_length=254)]
ACTION = {202: {"model": Accepted, "headers": REPLAYED_HEADER}, **AUTHENTICATED, **SUBMISSION, **NO_SUCH_ACCOUNT}


@router.get("/accounts/{account}/users", summary="An account's users", responses={200: {"model": AccountUserList},
                                                                                   **LISTED})
def list_users(account: AccountInPath, client: ApiClient, scope: CallerScope,
               page: Annotated[PageRequest, Depends(USERS.request)],
               search: Annotated[str, Query(max_length=200, description="the start of an email, a first or last "
                                            "name, or 'first last', in any letter case")] = "",
               state: Annotated[State | None, Query(description="only the users in this state")] = None):
    account = existing_account(account, client, scope)
    found = directory.users_page(client.engine, account, client.clock.now(), search=search, state=state,
                                 after=page.after, size=page.size)
    return {"account": account, "items": [user.shown() for user in found.items], "next": USERS.cursor(found.next)}


@router.get("/accounts/{account}/users/{email}", summary="One user of an account",
            responses={200: {"model": AccountUser}, **LISTED})
def show_user(account: AccountInPath, email: EmailInPath, client: ApiClient, scope: CallerScope):
    account = existing_account(account, client, scope)
    found = directory.account_user(client.engine, account, email, client.clock.now())
    if found is None:
        raise refused(404, said("user.not_in_account", email=email, account=account))
    return found.shown()


async def _act(request: Request, client, scope, account: str, item: dict):
    existing_account(account, client, scope)
    return await submit_items(request, client, scope, [item], item)


@router.post("/accounts/{account}/users/{email}/disable", status_code=202, responses=ACTION,
             summary="Disable a user in the account (their sessions end; never the last active administrator)")
async def disable_user(request: Request, account: AccountInPath, email: EmailInPath, client: ApiClient,
                       scope: CallerScope):
    return await _act(request, client, scope, account, {"type": "disable_user", "account": account, "email": email})


@router.post("/accounts/{account}/users/{email}/enable", status_code=202, responses=ACTION,
             summary="Enable a disabled user again")
async def enable_user(request: Request, account: AccountInPath, email: EmailInPath, client: ApiClient,
                      scope: CallerScope):
    return await _act(request, client, scope, account, {"type": "enable_user", "account": account, "email": email})


RESET_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": False,
    "properties": {"password_hash": {"type": "string", "description": "a temporary password's argon2id hash"},
                   "activation": {"type": "string", "enum": ["mail"],
                                  "description": "the person sets a password through a mailed link"}}},
    "examples": {"temporary": {"value": {"password_hash": EXAMPLE_PASSWORD_HASH}},
                 "mail": {"value": {"activation": "mail"}}}}}}}


@router.post("/accounts/{account}/users/{email}/reset-password", status_code=202, responses=ACTION,
             summary="Reset a user's password: a temporary one's hash, or an activation mail",
             openapi_extra=RESET_BODY)
async def reset_password(request: Request, account: AccountInPath, email: EmailInPath, client: ApiClient,
                         scope: CallerScope):
    """The body is read as POST /v1/commands reads its own: its fields join the command, which names any wrong."""
    how = parsed_body(await request.body())
    if not isinstance(how, dict):
        raise refused(422, said("body.not_reset", hash_shape='{"password_hash": ...}',
                                mail_shape='{"activation": "mail"}'))
    return await _act(request, client, scope, account,
                      {**how, "type": "reset_password", "account": account, "email": email})


@router.delete("/accounts/{account}/users/{email}", status_code=202, responses=ACTION,
               summary="Remove a user from the account (out of its groups; never the last administrator)")
async def remove_user(request: Request, account: AccountInPath, email: EmailInPath, client: ApiClient,
                      scope: CallerScope):
    return await _act(request, client, scope, account, {"type": "remove_user", "account": account, "email": email})
