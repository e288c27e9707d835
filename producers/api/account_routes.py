"""An account's administrators (and pending grants) and its groups, under /v1/accounts/{account}."""
from __future__ import annotations

from producers.api.answers import AUTHENTICATED, BAD_PARAMETER, NO_SUCH_ACCOUNT, AccountAdmins, AccountGroups
from producers.api.bearer_token import v1_router
from producers.api.dependencies import ApiClient, ExistingAccount
from store.reads import queries

router = v1_router()


@router.get("/accounts/{account}/admins", summary="An account's administrators and pending grants",
            responses={200: {"model": AccountAdmins}, **AUTHENTICATED, **NO_SUCH_ACCOUNT, **BAD_PARAMETER})
def list_admins(account: ExistingAccount, client: ApiClient):
    return {"account": account, "admins": queries.admins(client.engine, account),
            "pending": queries.pending_admins(client.engine, account)}


@router.get("/accounts/{account}/groups", summary="An account's groups and their members",
            responses={200: {"model": AccountGroups}, **AUTHENTICATED, **NO_SUCH_ACCOUNT, **BAD_PARAMETER})
def list_groups(account: ExistingAccount, client: ApiClient):
    return {"account": account, "groups": queries.group_members(client.engine, account)}
