"""What the rules need from persistence; the store implements it, unit tests fake it."""
from __future__ import annotations

import abc
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from uuid import UUID

from domain.invite_limits import InviteLimits
from domain.model import Account, AuditEntry, Group, Invite, MembershipClock, PendingGrant, User
from domain.states import GrantStatus, InviteStatus


class Repository(abc.ABC):
    """Reads and writes of accounts, users, groups and memberships within one unit of work."""

    @abc.abstractmethod
    def lock_account(self, number: str) -> Account | None:
        """The account, locked against concurrent changes until the unit of work ends."""

    @abc.abstractmethod
    def add_account(self, account: Account) -> None: ...

    @abc.abstractmethod
    def get_user(self, email_key: str) -> User | None: ...

    @abc.abstractmethod
    def add_user(self, user: User) -> None: ...

    @abc.abstractmethod
    def prove_mailbox(self, email_key: str, password_hash: str, names: tuple[str, str] | None = None) -> None:
        """The person opened a mailed link and chose this password (not expired): the user is verified, takes
        `names` (first, last) if given, and every session of the identity ends, whoever held it before."""

    @abc.abstractmethod
    def accounts_of(self, email_key: str) -> list[str]:
        """The accounts the identity belongs to (the one that created it, those of its groups), in number order."""

    @abc.abstractmethod
    def get_group(self, account: str, group_key: str) -> Group | None: ...

    @abc.abstractmethod
    def add_group(self, group: Group) -> None: ...

    @abc.abstractmethod
    def rename_group(self, account: str, group_key: str, new_name: str) -> None:
        """Rename the group; its memberships and their clocks follow (not the tombstone of the old name).

        Where a deleted group of the new name left a clock for the same member, the newer of the two stays.
        """

    @abc.abstractmethod
    def delete_group(self, account: str, group_key: str) -> None:
        """Remove the group and its memberships; their clocks stay, as tombstones."""

    @abc.abstractmethod
    def is_member(self, account: str, group_key: str, email_key: str) -> bool: ...

    @abc.abstractmethod
    def count_members(self, account: str, group_key: str) -> int: ...

    @abc.abstractmethod
    def add_member(self, account: str, group_key: str, email_key: str) -> None: ...

    @abc.abstractmethod
    def remove_member(self, account: str, group_key: str, email_key: str) -> None: ...

    @abc.abstractmethod
    def get_clock(self, account: str, group_key: str, email_key: str) -> MembershipClock | None:
        """The clock of one membership (the account lock serializes its changes)."""

    @abc.abstractmethod
    def set_clock(self, account: str, group_key: str, email_key: str,
                  issued_at: datetime, command_id: UUID) -> None: ...

    @abc.abstractmethod
    def add_audit(self, entry: AuditEntry) -> None: ...

    invite_ttl: timedelta = timedelta(days=7)
    invite_limits: InviteLimits = InviteLimits()  # none unless the store is given some (domain.invite_limits)

    @abc.abstractmethod
    def nth_newest_invite(self, account: str, n: int, since: datetime, email_key: str | None = None) -> datetime | None:
        """When the n-th newest invite of the account (to the email, if given) was created, if n or more were
        created after `since`, whatever their status; else None."""

    @abc.abstractmethod
    def find_invite(self, account: str, email_key: str) -> Invite | None:
        """The newest invite of the email to the account that is still marked pending."""

    @abc.abstractmethod
    def invite_by_token(self, token_hash: str) -> Invite | None: ...

    @abc.abstractmethod
    def add_invite(self, invite: Invite) -> None: ...

    @abc.abstractmethod
    def set_invite_status(self, invite_id: UUID, status: InviteStatus, reason: str, now: datetime) -> None: ...

    @abc.abstractmethod
    def send_invite_mail(self, invite: Invite, token: str, role: str, replaces: Invite | None = None) -> None:
        """Seal the invite in an encrypted envelope and put its mail in the outbox.

        `role` as the mail names it ("Account Administrator"); `replaces`: the invite a resend replaced."""

    @abc.abstractmethod
    def add_pending_grant(self, grant: PendingGrant) -> None: ...

    @abc.abstractmethod
    def pending_grants(self, email_key: str, account: str | None = None,
                       group_key: str | None = None) -> list[PendingGrant]: ...

    @abc.abstractmethod
    def move_pending_grants(self, from_invite: UUID, to_invite: UUID) -> None: ...

    @abc.abstractmethod
    def close_pending_grant(self, grant_id: UUID, status: GrantStatus, reason: str, now: datetime) -> None:
        """The grant is no longer pending. Its command, if still pending, ends too: `expired` for an expired
        invite, `superseded` with `reason` for a grant cancelled or replaced; a retried grant's command is left to
        take its retry's result."""


class UnitOfWork(AbstractContextManager, abc.ABC):
    """A transaction: leaving without commit() rolls back."""

    repo: Repository

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    @abc.abstractmethod
    def savepoint(self) -> AbstractContextManager:
        """A nested transaction: an exception inside undoes only what it wrote."""
