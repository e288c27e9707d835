"""An account's lists, a keyset page at a time (store.reads.keyset): its administrators, its pending grants, its
groups, a group's members, its open invites. Each order is one an index gives: memberships and groups by their
primary keys, pending grants by ix_pending_grants_account_status, invites by ix_invites_account_created_at.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Engine, select

from domain.model import ADMIN_GROUP_KEY, group_key
from domain.states import GrantStatus, InviteStatus
from store.reads.keyset import KeysetPage, SortKey, beyond, page_of
from store.tables import groups, invites, memberships, pending_grants, users


@dataclass(frozen=True)
class Person:
    """A user in a list: the email as first typed, and its key (the sort key)."""

    email: str
    email_key: str


@dataclass(frozen=True)
class PendingGrant:
    """A grant waiting for its invitee to register: to whom, into which group, by whom, when issued."""

    email: str
    email_key: str
    group: str
    group_key: str
    invited_by: str
    issued_at: datetime
    command_id: UUID


@dataclass(frozen=True)
class GroupName:
    name: str
    name_key: str


@dataclass(frozen=True)
class OpenInvite:
    """An invite that can still be used to register: sent, not replaced, cancelled or expired."""

    id: UUID
    email: str
    invited_by: str
    created_at: datetime
    expires_at: datetime


class NoSuchGroup(LookupError):
    """Raised when a group name names no group of the account."""


def _read(engine: Engine) -> Connection:
    return engine.connect().execution_options(readonly=True)


def admins_page(engine: Engine, account: str, after: SortKey | None, size: int) -> KeysetPage[Person]:
    """The account's administrators by email key; the sort key is (email_key,)."""
    with _read(engine) as conn:
        return _people(conn, account, ADMIN_GROUP_KEY, after, size)


def members_page(engine: Engine, account: str, group: str, after: SortKey | None,
                 size: int) -> KeysetPage[Person]:
    """The members of the account's group named `group` (any letter case) by email key; NoSuchGroup."""
    key = group_key(group)
    with _read(engine) as conn:
        found = conn.execute(select(groups.c.name_key).where(groups.c.account == account,
                                                             groups.c.name_key == key)).first()
        if found is None:
            raise NoSuchGroup(f"no group {group!r} in account {account}")
        return _people(conn, account, key, after, size)


def _people(conn: Connection, account: str, key: str, after: SortKey | None, size: int) -> KeysetPage[Person]:
    query = (select(users.c.email, memberships.c.email_key)
             .join(users, users.c.email_key == memberships.c.email_key)
             .where(memberships.c.account == account, memberships.c.group_key == key)
             .order_by(memberships.c.email_key).limit(size + 1))
    if after is not None:
        query = query.where(beyond([memberships.c.email_key], after))
    rows = conn.execute(query).all()
    return page_of([Person(row.email, row.email_key) for row in rows], size, lambda p: (p.email_key,))


def pending_page(engine: Engine, account: str, after: SortKey | None, size: int) -> KeysetPage[PendingGrant]:
    """The account's pending grants (one per person and group) by (email_key, group_key), the sort key."""
    order = [pending_grants.c.email_key, pending_grants.c.group_key]
    query = (select(invites.c.email, pending_grants.c.email_key, groups.c.name, pending_grants.c.group_key,
                    pending_grants.c.actor, pending_grants.c.issued_at, pending_grants.c.command_id)
             .join(invites, invites.c.id == pending_grants.c.invite_id)
             .join(groups, (groups.c.account == pending_grants.c.account)
                   & (groups.c.name_key == pending_grants.c.group_key))
             .where(pending_grants.c.account == account, pending_grants.c.status == GrantStatus.PENDING)
             .order_by(*order).limit(size + 1))
    if after is not None:
        query = query.where(beyond(order, after))
    with _read(engine) as conn:
        rows = conn.execute(query).all()
    grants = [PendingGrant(row.email, row.email_key, row.name, row.group_key, row.actor, row.issued_at,
                           row.command_id) for row in rows]
    return page_of(grants, size, lambda g: (g.email_key, g.group_key))


def groups_page(engine: Engine, account: str, after: SortKey | None, size: int) -> KeysetPage[GroupName]:
    """The account's groups by name key (the sort key), which orders them by name whatever the letter case."""
    query = (select(groups.c.name, groups.c.name_key).where(groups.c.account == account)
             .order_by(groups.c.name_key).limit(size + 1))
    if after is not None:
        query = query.where(beyond([groups.c.name_key], after))
    with _read(engine) as conn:
        rows = conn.execute(query).all()
    return page_of([GroupName(row.name, row.name_key) for row in rows], size, lambda g: (g.name_key,))


def open_invites_page(engine: Engine, account: str, after: SortKey | None, size: int, *,
                      now: datetime) -> KeysetPage[OpenInvite]:
    """The account's invites still open at `now`, newest first; the sort key is (created_at, id)."""
    order = [invites.c.created_at, invites.c.id]
    query = (select(invites.c.id, invites.c.email, invites.c.invited_by, invites.c.created_at,
                    invites.c.expires_at)
             .where(invites.c.account == account, invites.c.status == InviteStatus.PENDING,
                    invites.c.expires_at > now)
             .order_by(*(column.desc() for column in order)).limit(size + 1))
    if after is not None:
        query = query.where(beyond(order, after, descending=True))
    with _read(engine) as conn:
        rows = conn.execute(query).all()
    found = [OpenInvite(row.id, row.email, row.invited_by, row.created_at, row.expires_at) for row in rows]
    return page_of(found, size, lambda i: (i.created_at, i.id))
