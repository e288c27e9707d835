"""An account under /v1/accounts/{account}: its name and language, and its lists, each a page at a time
(producers/api/paging.py): its administrators, its pending grants, its groups, a group's members, its open invites.

The account is looked up once the query is known good: a bad parameter is named before an unknown account.
"""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path
from pydantic import AwareDatetime

from domain.field_messages import field_label, problem_of
from domain.text import person_or_group_name
from producers.api.answers import (
    AUTHENTICATED,
    BAD_PARAMETER,
    NO_SUCH_ACCOUNT,
    NO_SUCH_GROUP,
    AccountShown,
    AdministratorList,
    GroupList,
    MemberList,
    OpenInviteList,
    PendingGrantList,
)
from producers.api.bearer_token import v1_router
from producers.api.dependencies import ApiClient, CallerScope, existing_account
from producers.api.echoes import shown
from producers.api.paging import Cursors, PageRequest, Text
from producers.api.parameters import AccountInPath
from producers.api.refusals import refused
from producers.services.api_messages import said
from store.reads import account_lists, accounts
from store.reads.account_lists import NoSuchGroup

router = v1_router()
ADMINS = Cursors("admins", Text)
PENDING = Cursors("pending", Text, Text)
GROUPS = Cursors("groups", Text)
MEMBERS = Cursors("members", Text)
INVITES = Cursors("invites", AwareDatetime, UUID)
LISTED = {**AUTHENTICATED, **NO_SUCH_ACCOUNT, **BAD_PARAMETER}


@router.get("/accounts/{account}", summary="An account: its name and the language of its mails",
            responses={200: {"model": AccountShown}, **AUTHENTICATED, **NO_SUCH_ACCOUNT, **BAD_PARAMETER})
def show_account(account: AccountInPath, client: ApiClient, scope: CallerScope):
    account = existing_account(account, client, scope)
    found = accounts.account_settings(client.engine, account)
    if found is None:  # deleted since it was found
        raise refused(404, said("account.unknown", account=account))
    return {"account": account, "name": found.name, "language": found.language}


@router.get("/accounts/{account}/admins", summary="An account's administrators",
            responses={200: {"model": AdministratorList}, **LISTED})
def list_admins(account: AccountInPath, client: ApiClient, scope: CallerScope,
                page: Annotated[PageRequest, Depends(ADMINS.request)]):
    account = existing_account(account, client, scope)
    found = account_lists.admins_page(client.engine, account, page.after, page.size)
    return {"account": account, "items": [{"email": person.email} for person in found.items],
            "next": ADMINS.cursor(found.next)}


@router.get("/accounts/{account}/pending", summary="An account's grants waiting for their invitee to register",
            responses={200: {"model": PendingGrantList}, **LISTED})
def list_pending(account: AccountInPath, client: ApiClient, scope: CallerScope,
                 page: Annotated[PageRequest, Depends(PENDING.request)]):
    account = existing_account(account, client, scope)
    found = account_lists.pending_page(client.engine, account, page.after, page.size)
    items = [{"email": grant.email, "group": grant.group, "invited_by": grant.invited_by,
              "issued_at": grant.issued_at, "command_id": grant.command_id} for grant in found.items]
    return {"account": account, "items": items, "next": PENDING.cursor(found.next)}


@router.get("/accounts/{account}/groups", summary="An account's groups",
            responses={200: {"model": GroupList}, **LISTED})
def list_groups(account: AccountInPath, client: ApiClient, scope: CallerScope,
                page: Annotated[PageRequest, Depends(GROUPS.request)]):
    account = existing_account(account, client, scope)
    found = account_lists.groups_page(client.engine, account, page.after, page.size)
    return {"account": account, "items": [{"name": group.name} for group in found.items],
            "next": GROUPS.cursor(found.next)}


@router.get("/accounts/{account}/groups/{group:path}/members", summary="The members of a group of an account",
            responses={200: {"model": MemberList}, **LISTED, **NO_SUCH_GROUP})
def list_members(account: AccountInPath, client: ApiClient, scope: CallerScope,
                 group: Annotated[str, Path(description="the group's name, in any letter case")],
                 page: Annotated[PageRequest, Depends(MEMBERS.request)]):
    try:
        name = person_or_group_name(group)
    except ValueError as e:
        raise refused(422, said("query.value", field=field_label("group"), value=shown(group),
                                problem=problem_of(e))) from None
    account = existing_account(account, client, scope)
    try:
        found = account_lists.members_page(client.engine, account, name, page.after, page.size)
    except NoSuchGroup:
        raise refused(404, said("group.none", group=repr(name), account=account)) from None
    return {"account": account, "group": name, "items": [{"email": person.email} for person in found.items],
            "next": MEMBERS.cursor(found.next)}


@router.get("/accounts/{account}/invites", summary="An account's open invites",
            responses={200: {"model": OpenInviteList}, **LISTED})
def list_invites(account: AccountInPath, client: ApiClient, scope: CallerScope,
                 page: Annotated[PageRequest, Depends(INVITES.request)]):
    account = existing_account(account, client, scope)
    found = account_lists.open_invites_page(client.engine, account, page.after, page.size, now=client.clock.now())
    items = [{"id": invite.id, "email": invite.email, "invited_by": invite.invited_by,
              "created_at": invite.created_at, "expires_at": invite.expires_at} for invite in found.items]
    return {"account": account, "items": items, "next": INVITES.cursor(found.next)}
