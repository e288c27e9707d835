"""An in-memory Repository with the same semantics as the SQL store (store.repository).

Keys are the ones the store uses: users by model.email_key, groups by model.group_key, and
memberships and clocks by (account, group key, email key).  Like the store's constraints, it
refuses duplicate rows and memberships of a missing group or user, so a handler that writes
something the database would reject fails here too.
"""
from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from uuid import UUID, uuid4

from domain import model
from domain.model import (
    WHOLE_GROUP,
    Account,
    AuditEntry,
    Group,
    Invite,
    MembershipClock,
    PendingGrant,
    User,
    email_key,
    group_key,
)
from domain.ports import Repository
from domain.states import GrantStatus, InviteStatus
from store.closed_grants import COMMAND_STATUS_OF_CLOSED_GRANT, expired_reason

Key = tuple[str, str, str]  # (account, group key, email key)


class IntegrityError(Exception):
    """What the database would raise for a row breaking a key or a foreign key."""


class FakeRepository(Repository):
    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.users: dict[str, User] = {}
        self.groups: dict[tuple[str, str], Group] = {}
        self.memberships: set[Key] = set()
        self.clocks: dict[Key, MembershipClock] = {}
        self.audit: list[AuditEntry] = []
        self.invites: dict[UUID, Invite] = {}
        self.grants: dict[UUID, tuple[PendingGrant, GrantStatus]] = {}  # grant and its status
        self.mails: list[tuple[Invite, str, str]] = []  # invite, token, role
        self.new_mail_ids: list[UUID] = []  # an id for each mail, as the outbox gives
        self.mail_replaces: dict[UUID, Invite] = {}  # a resent invite's id: the invite its mail replaces
        self.ended_sessions: list[str] = []  # email keys whose sessions ended (prove_mailbox, set_password, …)
        self.account_users: dict[tuple[str, str], datetime | None] = {}  # (account, email key): disabled at
        # The commands of closed grants, and the final status and reason the store gives each (it has no command log)
        self.ended_commands: dict[UUID, tuple[str, str]] = {}

    # --- Repository -------------------------------------------------------------------------

    def lock_account(self, number: str) -> Account | None:
        return self.accounts.get(number)

    def lock_accounts(self, numbers: set[str]) -> None:
        """Nothing to lock: one unit of work at a time."""

    def add_account(self, account: Account) -> None:
        if account.number in self.accounts:
            raise IntegrityError(f"duplicate account {account.number}")
        self.accounts[account.number] = account

    def get_user(self, email_key: str) -> User | None:
        user = self.users.get(email_key)
        # The store builds a fresh object on every read; so does the fake.
        return replace(user) if user is not None else None

    def add_user(self, user: User) -> None:
        if user.key in self.users:
            raise IntegrityError(f"duplicate user {user.key}")
        self.users[user.key] = replace(user)

    def prove_mailbox(self, email_key: str, password_hash: str, names: tuple[str, str] | None = None,
                      language: str | None = None) -> None:
        if email_key in self.users:  # an UPDATE matching no row changes nothing
            first, last = names or (self.users[email_key].first_name, self.users[email_key].last_name)
            self.users[email_key] = replace(self.users[email_key], password_hash=password_hash,
                                            password_expired=False, verified=True, first_name=first, last_name=last,
                                            language=language or self.users[email_key].language)
            self.ended_sessions.append(email_key)

    def accounts_of(self, email_key: str) -> list[str]:
        return sorted(a for a, e in self.account_users if e == email_key)

    def add_account_user(self, account: str, email_key: str) -> None:
        if account not in self.accounts or email_key not in self.users:
            raise IntegrityError(f"account user {email_key} of account {account}: one of them is missing")
        self.account_users.setdefault((account, email_key), None)

    def is_account_user(self, account: str, email_key: str) -> bool:
        return (account, email_key) in self.account_users

    def is_disabled(self, account: str, email_key: str) -> bool:
        return self.account_users.get((account, email_key)) is not None

    def count_disabled_members(self, account: str, group_key: str) -> int:
        return sum(1 for a, g, e in self.memberships if (a, g) == (account, group_key) and self.is_disabled(a, e))

    def set_disabled(self, account: str, email_key: str, disabled_at: datetime | None) -> None:
        if (account, email_key) in self.account_users:
            self.account_users[(account, email_key)] = disabled_at

    def groups_of(self, account: str, email_key: str) -> list[Group]:
        return sorted((self.groups[(a, g)] for a, g, e in self.memberships if (a, e) == (account, email_key)),
                      key=lambda group: group.name)

    def remove_account_user(self, account: str, email_key: str) -> None:
        self.account_users.pop((account, email_key), None)

    def set_account_language(self, number: str, language: str) -> None:
        self.accounts[number] = replace(self.accounts[number], language=language)

    def set_names(self, email_key: str, first_name: str, last_name: str) -> None:
        if email_key in self.users:
            self.users[email_key] = replace(self.users[email_key], first_name=first_name, last_name=last_name)

    def set_password(self, email_key: str, password_hash: str | None, account: str, expired: bool = True) -> None:
        if email_key in self.users:
            self.users[email_key] = replace(self.users[email_key], password_hash=password_hash,
                                            password_expired=expired, verified=False, created_by_account=account)
            self.ended_sessions.append(email_key)

    def end_sessions(self, email_key: str) -> None:
        self.ended_sessions.append(email_key)

    def get_group(self, account: str, group_key: str) -> Group | None:
        return self.groups.get((account, group_key))

    def add_group(self, group: Group) -> None:
        if group.account not in self.accounts:
            raise IntegrityError(f"group {group.name} of missing account {group.account}")
        if (group.account, group.key) in self.groups:
            raise IntegrityError(f"duplicate group {group.key} in account {group.account}")
        self.groups[(group.account, group.key)] = group

    def rename_group(self, account: str, group_key: str, new_name: str) -> None:
        new_key = Group(account, new_name).key
        if (account, group_key) not in self.groups:
            return  # an UPDATE matching no row
        if new_key != group_key and (account, new_key) in self.groups:
            raise IntegrityError(f"duplicate group {new_key} in account {account}")
        del self.groups[(account, group_key)]
        self.groups[(account, new_key)] = Group(account, new_name)
        self.memberships = {(a, new_key if (a, g) == (account, group_key) else g, e)
                            for a, g, e in self.memberships}
        moving = {k: clock for k, clock in self.clocks.items() if k[:2] == (account, group_key) and k[2] != WHOLE_GROUP}
        for (a, _, e), clock in moving.items():
            del self.clocks[(a, group_key, e)]
            lingering = self.clocks.get((a, new_key, e))  # left by a deleted group of the new name: the newer stays
            if lingering is None or not lingering.is_newer_than(clock.issued_at, clock.command_id):
                self.clocks[(a, new_key, e)] = clock

    def delete_group(self, account: str, group_key: str) -> None:
        self.memberships = {k for k in self.memberships if k[:2] != (account, group_key)}
        self.groups.pop((account, group_key), None)

    def is_member(self, account: str, group_key: str, email_key: str) -> bool:
        return (account, group_key, email_key) in self.memberships

    def count_members(self, account: str, group_key: str) -> int:
        return sum(1 for k in self.memberships if k[:2] == (account, group_key))

    def add_member(self, account: str, group_key: str, email_key: str) -> None:
        key = (account, group_key, email_key)
        if (account, group_key) not in self.groups:
            raise IntegrityError(f"membership of missing group {group_key} in account {account}")
        if email_key not in self.users:
            raise IntegrityError(f"membership of missing user {email_key}")
        if key in self.memberships:
            raise IntegrityError(f"duplicate membership {key}")
        self.memberships.add(key)

    def remove_member(self, account: str, group_key: str, email_key: str) -> None:
        self.memberships.discard((account, group_key, email_key))

    def get_clock(self, account: str, group_key: str, email_key: str) -> MembershipClock | None:
        return self.clocks.get((account, group_key, email_key))

    def set_clock(self, account: str, group_key: str, email_key: str,
                  issued_at: datetime, command_id: UUID) -> None:
        if issued_at.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        self.clocks[(account, group_key, email_key)] = MembershipClock(issued_at, command_id)

    def add_audit(self, entry: AuditEntry) -> None:
        if entry.at.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        self.audit.append(entry)

    def find_invite(self, account: str, email_key: str) -> Invite | None:
        live = [i for i in self.invites.values()
                if (i.account, i.key, i.status) == (account, email_key, InviteStatus.PENDING)]
        return max(live, key=lambda i: i.created_at, default=None)

    def invite_by_token(self, token_hash: str) -> Invite | None:
        return next((i for i in self.invites.values() if i.token_hash == token_hash), None)

    def nth_newest_invite(self, account: str, n: int, since: datetime,
                          email_key: str | None = None) -> datetime | None:
        times = sorted((i.created_at for i in self.invites.values() if i.account == account and i.created_at > since
                        and email_key in (None, i.key)), reverse=True)
        return times[n - 1] if len(times) >= n else None

    def add_invite(self, invite: Invite) -> None:
        if invite.id in self.invites:
            raise IntegrityError(f"duplicate invite {invite.id}")
        if self.invite_by_token(invite.token_hash) is not None:
            raise IntegrityError("duplicate invite token hash")
        self.invites[invite.id] = invite

    def set_invite_status(self, invite_id: UUID, status: InviteStatus, reason: str, now: datetime) -> None:
        self.invites[invite_id] = replace(self.invites[invite_id], status=status)

    def send_invite_mail(self, invite: Invite, token: str, role: str, replaces: Invite | None = None) -> None:
        self.mails.append((invite, token, role))
        self.new_mail_ids.append(uuid4())
        if replaces is not None:
            self.mail_replaces[invite.id] = replaces

    def add_pending_grant(self, grant: PendingGrant) -> None:
        if grant.id in self.grants:
            raise IntegrityError(f"duplicate pending grant {grant.id}")
        self.grants[grant.id] = (grant, GrantStatus.PENDING)

    def pending_grants(self, email_key: str, account: str | None = None,
                       group_key: str | None = None) -> list[PendingGrant]:
        # As the store reads them: joined to their invite, whose email they carry (the store keeps no other).
        return [replace(g, email=self.invites[g.invite_id].email) for g, status in self.grants.values()
                if status == GrantStatus.PENDING and g.invite_id in self.invites
                and model.email_key(g.email) == email_key
                and account in (None, g.account) and group_key in (None, g.group)]

    def move_pending_grants(self, from_invite: UUID, to_invite: UUID) -> None:
        for key, (grant, status) in list(self.grants.items()):
            if grant.invite_id == from_invite and status == GrantStatus.PENDING:
                self.grants[key] = (replace(grant, invite_id=to_invite), status)

    def close_pending_grant(self, grant_id: UUID, status: GrantStatus, reason: str, now: datetime) -> None:
        grant = self.grants[grant_id][0]
        self.grants[grant_id] = (grant, status)
        if status == GrantStatus.EXPIRED:
            invite = self.invites[grant.invite_id]
            reason = expired_reason(invite.email, invite.account, invite.expires_at)
        if status in COMMAND_STATUS_OF_CLOSED_GRANT:
            self.ended_commands.setdefault(grant.command_id, (COMMAND_STATUS_OF_CLOSED_GRANT[status], reason))

    # --- helpers for tests, by the names a person types ---------------------------------------

    def snapshot(self) -> tuple:
        """Everything stored, for comparing before and after a command."""
        return copy.deepcopy((self.accounts, self.users, self.groups, self.memberships,
                              self.clocks, self.audit, self.invites, self.grants, self.mails,
                              self.mail_replaces, self.ended_commands, self.account_users))

    def user(self, email: str) -> User | None:
        return self.get_user(email_key(email))

    def prove(self, email: str) -> None:
        """The user's person proved the mailbox (as registering with a mailed link does)."""
        self.users[email_key(email)] = replace(self.users[email_key(email)], verified=True)

    def group(self, account: str, name: str) -> Group | None:
        return self.get_group(account, group_key(name))

    def has_member(self, account: str, group_name: str, email: str) -> bool:
        return self.is_member(account, group_key(group_name), email_key(email))

    def clock(self, account: str, group_name: str, email: str) -> MembershipClock | None:
        return self.get_clock(account, group_key(group_name), email_key(email))

    def actions(self) -> list[str]:
        return [entry.action for entry in self.audit]
