"""What the invitee's pages read of an invite: found by the token's hash, never by anything in the URL itself."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Engine, select

from domain.model import ADMIN_GROUP_KEY, email_key
from domain.states import InviteStatus
from store.tables import accounts, commands, groups, invites, memberships, pending_grants, users


@dataclass(frozen=True)
class Invitation:
    """An invite as its page shows it: who invited whom, to which account, for which roles, until when."""

    status: str
    email: str
    account: str
    account_name: str
    invited_by: str
    inviter_name: str | None
    administrator: bool  # the invite (or the user's memberships, for an activation) makes them an administrator
    groups: list[str]  # the other groups it makes them a member of, by name
    expires_at: datetime
    user_exists: bool
    activation: bool = False  # its user was created with no password: the page sets one
    user_name: str | None = None  # the user's names as their administrator gave them (an activation)
    claim: bool = False  # a user someone else created for the email, never proven: registering takes it over
    language: str = "en"  # the invitee's pages' language unless they ask for one: theirs if chosen, else the account's

    @property
    def asks_current_password(self) -> bool:
        return self.user_exists and not (self.activation or self.claim)

    @property
    def is_open(self) -> bool:
        return self.status == InviteStatus.PENDING


def invitation(engine: Engine, token_hash: str) -> Invitation | None:
    """The invite of this token hash with what its page shows; None if no invite has it."""
    with engine.connect().execution_options(readonly=True) as conn:
        invite = conn.execute(select(invites).where(invites.c.token_hash == token_hash)).first()
        if invite is None:
            return None
        account = conn.execute(select(accounts.c.name, accounts.c.language)
                               .where(accounts.c.number == invite.account)).first()
        inviter = conn.execute(select(users.c.first_name, users.c.last_name)
                               .where(users.c.email_key == email_key(invite.invited_by))).first()
        grant_groups = conn.execute(
            select(pending_grants.c.group_key, groups.c.name)
            .join(groups, (groups.c.account == pending_grants.c.account)
                  & (groups.c.name_key == pending_grants.c.group_key), isouter=True)
            .where(pending_grants.c.invite_id == invite.id).order_by(pending_grants.c.group_key)).all()
        user = conn.execute(select(users.c.first_name, users.c.last_name, users.c.password_hash, users.c.verified,
                                   users.c.language).where(users.c.email_key == invite.email_key)).first()
        if user is not None and user.password_hash is None:  # an activation: the roles the user already has, too
            grant_groups += conn.execute(
                select(memberships.c.group_key, groups.c.name)
                .join(groups, (groups.c.account == memberships.c.account)
                      & (groups.c.name_key == memberships.c.group_key))
                .where(memberships.c.account == invite.account, memberships.c.email_key == invite.email_key)
                .order_by(memberships.c.group_key)).all()
    others = [name or key for key, name in grant_groups if key != ADMIN_GROUP_KEY]
    return Invitation(
        status=invite.status, email=invite.email, account=invite.account,
        account_name=account.name if account is not None else "",
        invited_by=invite.invited_by,
        inviter_name=f"{inviter.first_name} {inviter.last_name}".strip() if inviter else None,
        administrator=any(key == ADMIN_GROUP_KEY for key, _ in grant_groups), groups=list(dict.fromkeys(others)),
        expires_at=invite.expires_at, user_exists=user is not None,
        activation=user is not None and user.password_hash is None,
        claim=user is not None and user.password_hash is not None and not user.verified,
        user_name=" ".join(f"{user.first_name} {user.last_name}".split()) if user is not None else None,
        language=(user.language if user is not None else None) or (account.language if account is not None else "en"))


@dataclass(frozen=True)
class GrantOutcome:
    """Where one grant retried at registration stands."""

    command_id: str
    account: str
    account_name: str
    group: str | None  # None: the Account Administrators group
    status: str
    reason: str | None


def grant_outcomes(engine: Engine, command_ids: list[str]) -> list[GrantOutcome]:
    """The retried grants of a registration, in the order given; ids not found are left out."""
    ids = [UUID(command_id) for command_id in command_ids]
    if not ids:
        return []
    with engine.connect().execution_options(readonly=True) as conn:
        rows = {row.id: row for row in conn.execute(
            select(commands.c.id, commands.c.account, commands.c.payload, commands.c.status, commands.c.reason,
                   accounts.c.name).join(accounts, accounts.c.number == commands.c.account, isouter=True)
            .where(commands.c.id.in_(ids)))}
    return [GrantOutcome(str(row.id), row.account, row.name or "", (row.payload or {}).get("group"), row.status,
                         row.reason) for row in (rows.get(command_id) for command_id in ids) if row is not None]


def password_is_temporary(engine: Engine, email: str) -> bool:
    """Whether the user's password must be changed before anything else (an existing user accepting an invite
    with the temporary password an administrator gave them)."""
    with engine.connect().execution_options(readonly=True) as conn:
        return bool(conn.execute(select(users.c.password_expired)
                                 .where(users.c.email_key == email_key(email))).scalar())
