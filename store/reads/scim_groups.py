"""An account's groups as an identity provider sees them through SCIM (producers/scim): each with its stable id,
name, the provider's externalId, and its members — those in the group, and those whose grant to it waits for the
person to register (the provider asked for them; the system completes it), each once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Engine, select

from domain.model import group_key
from domain.states import GrantStatus
from store.tables import groups, invites, memberships, pending_grants, users


@dataclass(frozen=True)
class Member:
    email_key: str
    email: str
    pending: bool  # granted, waiting for the person to register


@dataclass(frozen=True)
class ScimGroup:
    id: UUID
    name: str
    name_key: str
    external_id: str | None
    created_at: datetime
    members: list[Member]


def _read(engine: Engine) -> Connection:
    return engine.connect().execution_options(readonly=True)


_GROUP = select(groups.c.id, groups.c.name, groups.c.name_key, groups.c.external_id, groups.c.created_at)


def group_by_id(engine: Engine, account: str, group_id: UUID) -> ScimGroup | None:
    with _read(engine) as conn:
        row = conn.execute(_GROUP.where(groups.c.account == account, groups.c.id == group_id)).first()
        return _group(conn, account, row) if row is not None else None


def group_by_name(engine: Engine, account: str, name: str) -> ScimGroup | None:
    with _read(engine) as conn:
        row = conn.execute(_GROUP.where(groups.c.account == account, groups.c.name_key == group_key(name))).first()
        return _group(conn, account, row) if row is not None else None


def account_groups(engine: Engine, account: str, external_id: str | None = None) -> list[ScimGroup]:
    """The account's groups by name key (or the one with this externalId)."""
    query = _GROUP.where(groups.c.account == account).order_by(groups.c.name_key)
    if external_id is not None:
        query = query.where(groups.c.external_id == external_id)
    with _read(engine) as conn:
        return [_group(conn, account, row) for row in conn.execute(query).all()]


def _group(conn: Connection, account: str, row) -> ScimGroup:
    return ScimGroup(row.id, row.name, row.name_key, row.external_id, row.created_at,
                     _members(conn, account, row.name_key))


def _members(conn: Connection, account: str, key: str) -> list[Member]:
    present = conn.execute(
        select(users.c.email_key, users.c.email).join(memberships, memberships.c.email_key == users.c.email_key)
        .where(memberships.c.account == account, memberships.c.group_key == key)).all()
    waiting = conn.execute(
        select(pending_grants.c.email_key, invites.c.email).join(invites, invites.c.id == pending_grants.c.invite_id)
        .where(pending_grants.c.account == account, pending_grants.c.group_key == key,
               pending_grants.c.status == GrantStatus.PENDING)).all()
    found = {row.email_key: Member(row.email_key, row.email, True) for row in waiting}
    found.update({row.email_key: Member(row.email_key, row.email, False) for row in present})
    return sorted(found.values(), key=lambda member: member.email_key)

