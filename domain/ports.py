"""What the rules need from persistence, one port per aggregate or purpose; the store implements them, unit tests
fake them.

A function asks for the ports it uses. A repository declares the ports it serves and implements every operation of
each: the operations are abstract, so a class that declares a port and lacks one of them cannot be made. Bundles
name what a caller needs of several: MembershipRepository, what the commands about accounts, users, members and
invites need, and all that the set-based chunk path serves (a SetBasedRepository); Registrations, what registering
with an invite's token needs; Repository, every port (the row repository, the fake).
"""
from __future__ import annotations

from abc import abstractmethod
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from domain.invite_limits import InviteLimits
from domain.model import Account, AuditEntry, Group, Invite, MembershipClock, PendingGrant, User
from domain.states import GrantStatus, InviteStatus


class Accounts(Protocol):
    @abstractmethod
    def lock_account(self, number: str) -> Account | None:
        """The account, locked against concurrent changes until the unit of work ends."""

    @abstractmethod
    def add_account(self, account: Account) -> None: ...


class AccountSettings(Protocol):
    @abstractmethod
    def set_account_language(self, number: str, language: str) -> None:
        """The language the account's mails are written in when their reader's is not known."""


class AccountLocks(Protocol):
    @abstractmethod
    def lock_accounts(self, numbers: set[str]) -> None:
        """Lock these accounts (those that exist) in number order, the order every worker takes them in."""


class Users(Protocol):
    @abstractmethod
    def get_user(self, email_key: str) -> User | None: ...

    @abstractmethod
    def add_user(self, user: User) -> None: ...


class MailboxProofs(Protocol):
    """What registration does to an identity whose person proved the mailbox."""

    @abstractmethod
    def prove_mailbox(self, email_key: str, password_hash: str, names: tuple[str, str] | None = None,
                      language: str | None = None) -> None:
        """The person opened a mailed link and chose this password (not expired): the user is verified, takes
        `names` (first, last) and `language` if given, and every session of the identity ends, whoever held it
        before."""

    @abstractmethod
    def accounts_of(self, email_key: str) -> list[str]:
        """The accounts the identity is a user of, in number order."""


class AccountUsers(Protocol):
    """Who is a user of which account, and whom an account's administrator disabled there."""

    @abstractmethod
    def add_account_user(self, account: str, email_key: str) -> None:
        """The person is a user of the account from now on (nothing changes if they were already)."""

    @abstractmethod
    def is_account_user(self, account: str, email_key: str) -> bool: ...

    @abstractmethod
    def is_disabled(self, account: str, email_key: str) -> bool:
        """Whether the account disabled the person (False for someone who is not its user)."""

    @abstractmethod
    def count_disabled_members(self, account: str, group_key: str) -> int:
        """How many members of the group the account disabled."""


class AccountUserChanges(Protocol):
    """What an administrator does to the account's users (domain.user_admin)."""

    @abstractmethod
    def set_disabled(self, account: str, email_key: str, disabled_at: datetime | None) -> None:
        """Disable the user in the account from `disabled_at`, or enable them (None)."""

    @abstractmethod
    def groups_of(self, account: str, email_key: str) -> list[Group]:
        """The account's groups the person is a member of, by name."""

    @abstractmethod
    def remove_account_user(self, account: str, email_key: str) -> None:
        """The person is no longer a user of the account (their memberships are removed first, by the caller)."""

    @abstractmethod
    def set_names(self, email_key: str, first_name: str, last_name: str) -> None: ...

    @abstractmethod
    def set_password(self, email_key: str, password_hash: str | None, account: str, expired: bool = True) -> None:
        """A temporary password `account`'s administrator set (`expired`: changed at the next sign-in; not so for
        the one an identity provider sets), or none until the person sets one through an activation mail. The identity is that account's word again, no longer proven
        by its mailbox (see domain.model.User.vouched_for); every session of it ends."""

    @abstractmethod
    def end_sessions(self, email_key: str) -> None:
        """Every signed-in session of the identity ends."""


class Groups(Protocol):
    @abstractmethod
    def get_group(self, account: str, group_key: str) -> Group | None: ...

    @abstractmethod
    def add_group(self, group: Group) -> None: ...


class GroupChanges(Protocol):
    @abstractmethod
    def rename_group(self, account: str, group_key: str, new_name: str) -> None:
        """Rename the group; its memberships and their clocks follow (not the tombstone of the old name).

        Where a deleted group of the new name left a clock for the same member, the newer of the two stays.
        """

    @abstractmethod
    def delete_group(self, account: str, group_key: str) -> None:
        """Remove the group and its memberships; their clocks stay, as tombstones."""


class Memberships(Protocol):
    """Who belongs to which group, and the clock of each membership: the latest-issued command that decided it."""

    @abstractmethod
    def is_member(self, account: str, group_key: str, email_key: str) -> bool: ...

    @abstractmethod
    def count_members(self, account: str, group_key: str) -> int: ...

    @abstractmethod
    def add_member(self, account: str, group_key: str, email_key: str) -> None: ...

    @abstractmethod
    def remove_member(self, account: str, group_key: str, email_key: str) -> None: ...

    @abstractmethod
    def get_clock(self, account: str, group_key: str, email_key: str) -> MembershipClock | None:
        """The clock of one membership (the account lock serializes its changes)."""

    @abstractmethod
    def set_clock(self, account: str, group_key: str, email_key: str,
                  issued_at: datetime, command_id: UUID) -> None: ...


class AuditTrail(Protocol):
    @abstractmethod
    def add_audit(self, entry: AuditEntry) -> None: ...


class InviteCounts(Protocol):
    """How many invites an account sent lately, for its limits (domain.invite_limits)."""

    invite_limits: InviteLimits = InviteLimits()  # none unless the store is given some

    @abstractmethod
    def nth_newest_invite(self, account: str, n: int, since: datetime, email_key: str | None = None) -> datetime | None:
        """When the n-th newest invite of the account (to the email, if given) was created, if n or more were
        created after `since`, whatever their status; else None."""


class Invites(InviteCounts, Protocol):
    invite_ttl: timedelta = timedelta(days=7)  # unless the store is given the settings'
    new_mail_ids: list[UUID]  # the mails this unit of work put in the outbox, to send once it commits

    @abstractmethod
    def find_invite(self, account: str, email_key: str) -> Invite | None:
        """The newest invite of the email to the account that is still marked pending."""

    @abstractmethod
    def add_invite(self, invite: Invite) -> None: ...

    @abstractmethod
    def set_invite_status(self, invite_id: UUID, status: InviteStatus, reason: str, now: datetime) -> None: ...

    @abstractmethod
    def send_invite_mail(self, invite: Invite, token: str, role: str, replaces: Invite | None = None) -> None:
        """Seal the invite in an encrypted envelope and put its mail in the outbox.

        `role` as the mail names it ("Account Administrator"); `replaces`: the invite a resend replaced."""


class InviteTokens(Protocol):
    @abstractmethod
    def invite_by_token(self, token_hash: str) -> Invite | None: ...


class PendingGrants(Protocol):
    """Grants to an email with no user yet, waiting for it to register."""

    @abstractmethod
    def add_pending_grant(self, grant: PendingGrant) -> None: ...

    @abstractmethod
    def pending_grants(self, email_key: str, account: str | None = None,
                       group_key: str | None = None) -> list[PendingGrant]: ...

    @abstractmethod
    def close_pending_grant(self, grant_id: UUID, status: GrantStatus, reason: str, now: datetime) -> None:
        """The grant is no longer pending. Its command, if still pending, ends too: `expired` for an expired
        invite, `superseded` with `reason` for a grant cancelled or replaced; a retried grant's command is left to
        take its retry's result."""


class PendingGrantMoves(Protocol):
    @abstractmethod
    def move_pending_grants(self, from_invite: UUID, to_invite: UUID) -> None:
        """The grants still pending on one invite wait on another (a resend replaced the first)."""


class Invitations(Invites, PendingGrants, Protocol):
    """Invites and the grants waiting on them."""


class GrantHolding(Invitations, Memberships, Protocol):
    """A grant held for registration: its invite, the grant itself, and its membership's clock."""


class InviteResends(Invitations, PendingGrantMoves, Users, Groups, Protocol):
    """A resend: a new invite takes over the old one's grants, its mail naming their groups."""


class MembershipRepository(Accounts, Users, AccountUsers, Groups, Memberships, AuditTrail, Invitations, Protocol):
    """What creating accounts, users and groups, granting, revoking, inviting and cancelling invites need."""


class Registrations(Users, AccountUsers, MailboxProofs, InviteTokens, AuditTrail, Invitations, Protocol):
    """What registering with an invite's token needs (domain.registration)."""


class Repository(MembershipRepository, Registrations, AccountLocks, AccountSettings, GroupChanges,
                 PendingGrantMoves, AccountUserChanges, Protocol):
    """Every port: what any command, and registration, may need."""


class SetBasedRepository(MembershipRepository, Protocol):
    """A MembershipRepository for a chunk of commands: what they will read is read ahead, and their writes are kept
    until flush() writes them set-based."""

    writes: int  # every write kept so far, so a caller can tell a refusal came before any
    superseded_commands: dict[UUID, str]  # commands of grants the chunk superseded, and why

    @abstractmethod
    def prefetch(self, numbers: set[str], targets: set[str], actors: set[str],
                 clocks: set[tuple[str, str, str]]) -> None:
        """Lock the accounts and load what their commands about `targets` by `actors` will read, and the
        membership clocks (account, group key, email key) they will check."""

    @abstractmethod
    def flush(self) -> None:
        """Write what the chunk's commands did."""

