"""Accounts, users, groups and the records the rules produce."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.emails import email_key  # noqa: F401  (emails are compared by this key everywhere)
from domain.states import InviteStatus
from languages import DEFAULT as DEFAULT_LANGUAGE

SUPPORT = "support"
SYSTEM_ACTOR = "envadmin"  # who the audit names for what the system does itself (expiry, retried grants)
ADMIN_GROUP = "Account Administrators"


def group_key(name: str) -> str:
    """Group names are unique per account whatever their letter case."""
    return " ".join(name.split()).casefold()


ADMIN_GROUP_KEY = group_key(ADMIN_GROUP)
# The clock of a group as a whole: set when the group is deleted, it outlives the group (a tombstone).
WHOLE_GROUP = "*"


@dataclass(frozen=True)
class Account:
    """A customer account, keyed by the number its users type; `language`: what its mails are written in when
    their reader's language is not known."""

    number: str
    name: str
    language: str = DEFAULT_LANGUAGE


@dataclass
class User:
    """A person who can log in; `email` keeps the form first typed.

    `verified`: the person proved the mailbox (registered, activated or reset a password through a mailed link).
    Until then the user is only as good as the word of the account that created it, whose administrator may even
    know its temporary password: no other account's grant reaches it (see `vouched_for`).
    """

    email: str
    first_name: str
    last_name: str
    password_hash: str | None
    password_expired: bool
    created_by_account: str | None = None
    verified: bool = False
    language: str | None = None  # the language the person chose; None: never chose
    time_zone: str | None = None  # the IANA time zone the person chose; None: never chose (their times in UTC)

    @property
    def key(self) -> str:
        return email_key(self.email)

    def vouched_for(self, account: str) -> bool:
        """Whether a grant in `account` may reach this identity as it is: its person proved the mailbox, or the
        account itself created it."""
        return self.verified or self.created_by_account == account

    @property
    def awaits_activation(self) -> bool:
        """Created with no password: the person sets one through the link of an activation mail."""
        return self.password_hash is None


@dataclass(frozen=True)
class Group:
    """A named set of users within one account."""

    account: str
    name: str

    @property
    def key(self) -> str:
        return group_key(self.name)

    @property
    def is_builtin(self) -> bool:
        return self.key == ADMIN_GROUP_KEY


@dataclass(frozen=True)
class MembershipClock:
    """The latest-issued applied command that decided one (account, group, email) membership."""

    issued_at: datetime
    command_id: UUID

    def is_newer_than(self, issued_at: datetime, command_id: UUID) -> bool:
        return (self.issued_at, str(self.command_id)) > (issued_at, str(command_id))


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, to whom, in which account, when, through which command and source."""

    at: datetime
    actor: str
    action: str
    target: str
    account: str | None
    command_id: UUID
    source: str
    detail: str = ""


@dataclass(frozen=True)
class Invite:
    """An encrypted-envelope invitation of one email to one account; its token is kept only as a hash."""

    id: UUID
    account: str
    email: str
    invited_by: str
    status: InviteStatus
    token_hash: str
    created_at: datetime
    expires_at: datetime

    @property
    def key(self) -> str:
        return email_key(self.email)

    def is_live(self, now: datetime) -> bool:
        return self.status == InviteStatus.PENDING and self.expires_at > now


@dataclass(frozen=True)
class PendingGrant:
    """A grant waiting for its email to register: replayed through the grant handler then."""

    id: UUID
    invite_id: UUID
    account: str
    group: str
    email: str
    command_id: UUID
    actor: str
    issued_at: datetime
