"""What an account's console pages read: its administrators (and those pending), its groups and members,
and whether the person signed in administers it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, exists, select

from domain.model import ADMIN_GROUP, ADMIN_GROUP_KEY, email_key
from domain.states import GrantStatus, InviteStatus
from store.reads import queries
from store.tables import account_users, accounts, invites, memberships, pending_grants


@dataclass(frozen=True)
class PendingAdmin:
    """An email whose admin grant waits for registration, with its invite's state."""

    email: str
    invite_state: str  # pending, or expired once past its date (before the periodic job closes it)
    expires_at: datetime
    invited_by: str


@dataclass(frozen=True)
class AccountView:
    number: str
    name: str
    admins: list[str]
    pending: list[PendingAdmin]
    groups: dict[str, list[str]]  # other groups by name, with their members' emails
    language: str = "en"  # what its mails are written in when their reader's language is not known

    @property
    def group_names(self) -> list[str]:
        return list(self.groups)


def administers(engine: Engine, account: str, email: str) -> bool:
    """Whether this email is in the account's Account Administrators group now, and not disabled by the account."""
    key = email_key(email)
    with engine.connect().execution_options(readonly=True) as conn:
        return conn.execute(select(memberships.c.email_key).where(
            memberships.c.account == account, memberships.c.group_key == ADMIN_GROUP_KEY,
            memberships.c.email_key == key,
            ~exists().where(account_users.c.account == account, account_users.c.email_key == key,
                            account_users.c.disabled_at.is_not(None)))).first() is not None


def administered_language(engine: Engine, account: str, email: str) -> str | None:
    """The account's language if this email administers it now (as `administers` tells); None otherwise."""
    key = email_key(email)
    with engine.connect().execution_options(readonly=True) as conn:
        return conn.execute(select(accounts.c.language).join(memberships, memberships.c.account == accounts.c.number)
                            .where(accounts.c.number == account, memberships.c.group_key == ADMIN_GROUP_KEY,
                                   memberships.c.email_key == key,
                                   ~exists().where(account_users.c.account == account,
                                                   account_users.c.email_key == key,
                                                   account_users.c.disabled_at.is_not(None)))).scalar()


def account_settings(engine: Engine, account: str):
    """The account's name and language (a row with both); None if there is no such account."""
    with engine.connect().execution_options(readonly=True) as conn:
        return conn.execute(select(accounts.c.name, accounts.c.language).where(accounts.c.number == account)).first()


def account_name(engine: Engine, account: str) -> str | None:
    """The account's name; None if there is no such account."""
    with engine.connect().execution_options(readonly=True) as conn:
        return conn.execute(select(accounts.c.name).where(accounts.c.number == account)).scalar()


def account_view(engine: Engine, account: str, now: datetime) -> AccountView | None:
    """The account as its console shows it; a pending admin's invite past its date at `now` shows as expired."""
    with engine.connect().execution_options(readonly=True) as conn:
        found = conn.execute(select(accounts.c.name, accounts.c.language).where(accounts.c.number == account)).first()
        if found is None:
            return None
        rows = conn.execute(
            select(invites.c.email, invites.c.status, invites.c.expires_at, invites.c.invited_by)
            .join(pending_grants, pending_grants.c.invite_id == invites.c.id)
            .where(pending_grants.c.account == account, pending_grants.c.group_key == ADMIN_GROUP_KEY,
                   pending_grants.c.status == GrantStatus.PENDING)
            .distinct().order_by(invites.c.email)).all()
    pending = [PendingAdmin(row.email, InviteStatus.EXPIRED if row.expires_at <= now else row.status, row.expires_at,
                            row.invited_by) for row in rows]
    groups = queries.group_members(engine, account)
    admins = queries.admins(engine, account)
    others = {group: members for group, members in groups.items() if group != ADMIN_GROUP}
    return AccountView(account, found.name, admins, pending, others, found.language)
