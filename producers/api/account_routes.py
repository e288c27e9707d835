"""An account's administrators (and pending grants) and its groups, under /v1/accounts/{account}."""
from __future__ import annotations

from producers.api.bearer_token import v1_router
from producers.api.dependencies import ApiClient, ExistingAccount
from store.reads import queries

router = v1_router()


@router.get("/accounts/{account}/admins")
def list_admins(account: ExistingAccount, client: ApiClient):
    return {"account": account, "admins": queries.admins(client.engine, account),
            "pending": queries.pending_admins(client.engine, account)}


@router.get("/accounts/{account}/groups")
def list_groups(account: ExistingAccount, client: ApiClient):
    return {"account": account, "groups": queries.group_members(client.engine, account)}
