"""What a signed-in person's home page reads: their accounts with their roles, and the invites still open to them.

Everything is found by the person's own email key: nothing of anyone else's membership or invites is read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from domain.model import ADMIN_GROUP_KEY, email_key
from domain.states import GrantStatus, InviteStatus
from store.tables import account_users, accounts, groups, invites, memberships, pending_grants, users

ADMIN_ROLE = "Account Administrator"
USER_ROLE = "User"  # a user of the account in none of its groups
DISABLED_ROLE = "Disabled"  # the account's administrators disabled the person there


@dataclass(frozen=True)
class AccountRoles:
    """One account the person is a user of, and their roles in it (the administrator role first; "User" when in none
    of its groups; "Disabled" alone when the account disabled them)."""

    account: str
    account_name: str
    roles: list[str]


@dataclass(frozen=True)
class OpenInvite:
    """An invite to the person's email that can still be accepted through its mailed link."""

    account: str
    account_name: str
    invited_by: str
    inviter_name: str | None
    roles: list[str]
    expires_at: datetime


@dataclass(frozen=True)
class Home:
    """The person as stored, with what their home page lists."""

    email: str
    name: str
    accounts: list[AccountRoles]
    invites: list[OpenInvite]


def home(engine: Engine, email: str, now: datetime) -> Home | None:
    """The person's home page; None if no user has this email."""
    key = email_key(email)
    with engine.connect().execution_options(readonly=True) as conn:
        user = conn.execute(select(users.c.email, users.c.first_name, users.c.last_name)
                            .where(users.c.email_key == key)).first()
        if user is None:
            return None
        member_rows = conn.execute(
            select(account_users.c.account, accounts.c.name.label("account_name"), account_users.c.disabled_at,
                   memberships.c.group_key, groups.c.name.label("group_name"))
            .join(accounts, accounts.c.number == account_users.c.account)
            .join(memberships, (memberships.c.account == account_users.c.account)
                  & (memberships.c.email_key == account_users.c.email_key), isouter=True)
            .join(groups, (groups.c.account == memberships.c.account)
                  & (groups.c.name_key == memberships.c.group_key), isouter=True)
            .where(account_users.c.email_key == key)
            .order_by(account_users.c.account, groups.c.name)).all()
        invite_rows = conn.execute(
            select(invites.c.id, invites.c.account, accounts.c.name.label("account_name"), invites.c.invited_by,
                   invites.c.expires_at)
            .join(accounts, accounts.c.number == invites.c.account, isouter=True)
            .where(invites.c.email_key == key, invites.c.status == InviteStatus.PENDING, invites.c.expires_at > now)
            .order_by(invites.c.expires_at)).all()
        grant_rows = conn.execute(
            select(pending_grants.c.invite_id, pending_grants.c.group_key, groups.c.name)
            .join(groups, (groups.c.account == pending_grants.c.account)
                  & (groups.c.name_key == pending_grants.c.group_key), isouter=True)
            .where(pending_grants.c.email_key == key, pending_grants.c.status == GrantStatus.PENDING,
                   pending_grants.c.invite_id.in_([row.id for row in invite_rows]))
            .order_by(pending_grants.c.group_key)).all() if invite_rows else []
        inviters = _names(conn, {row.invited_by for row in invite_rows})
    return Home(email=user.email, name=f"{user.first_name} {user.last_name}".strip(),
                accounts=_accounts(member_rows), invites=_invites(invite_rows, grant_rows, inviters))


def _role(group_key: str, group_name: str | None) -> str:
    return ADMIN_ROLE if group_key == ADMIN_GROUP_KEY else (group_name or group_key)


def _accounts(rows) -> list[AccountRoles]:
    by_account: dict[str, AccountRoles] = {}
    for row in rows:
        entry = by_account.setdefault(row.account, AccountRoles(row.account, row.account_name, []))
        if row.disabled_at is not None:
            entry.roles[:] = [DISABLED_ROLE]
        elif row.group_key is not None:
            entry.roles.append(_role(row.group_key, row.group_name))
    for entry in by_account.values():
        entry.roles.sort(key=lambda role: (role != ADMIN_ROLE, role.casefold()))
        entry.roles[:] = entry.roles or [USER_ROLE]
    return list(by_account.values())


def _invites(rows, grant_rows, inviters: dict[str, str]) -> list[OpenInvite]:
    roles: dict[object, list[str]] = {}
    for grant in grant_rows:
        shown = roles.setdefault(grant.invite_id, [])
        role = _role(grant.group_key, grant.name)
        if role not in shown:
            shown.append(role)
    return [OpenInvite(row.account, row.account_name or "", row.invited_by, inviters.get(email_key(row.invited_by)),
                       sorted(roles.get(row.id, []), key=lambda role: (role != ADMIN_ROLE, role.casefold())),
                       row.expires_at)
            for row in rows]


def _names(conn, emails: set[str]) -> dict[str, str]:
    """The full names of the inviters that are users (support is not), by email key."""
    if not emails:
        return {}
    rows = conn.execute(select(users.c.email_key, users.c.first_name, users.c.last_name)
                        .where(users.c.email_key.in_([email_key(email) for email in emails]))).all()
    return {row.email_key: f"{row.first_name} {row.last_name}".strip() for row in rows}
