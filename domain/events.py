"""What happened, each event one audit entry: the table of every audit action.

Each kind of event names its action in its class statement (`class GroupCreated(Event, action="group.created")`),
so a new kind of event cannot be made without one, and AUDIT_ACTIONS lists them all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

_EVENT_OF_ACTION: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class Event:
    """Something that changed in one account (or, with no account, to a user in all of theirs)."""

    account: str | None
    target: str
    action: ClassVar[str]  # what the audit trail calls it: "noun.verb"

    def __init_subclass__(cls, *, action: str, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if action in _EVENT_OF_ACTION:
            raise TypeError(f"{cls.__name__}: the audit action {action!r} is {_EVENT_OF_ACTION[action].__name__}'s")
        cls.action = action
        _EVENT_OF_ACTION[action] = cls

    @property
    def detail(self) -> str:
        return ""


@dataclass(frozen=True)
class AccountCreated(Event, action="account.created"):
    name: str = ""

    @property
    def detail(self) -> str:
        return self.name


@dataclass(frozen=True)
class UserAdded(Event, action="user.added"):
    password_expired: bool = True
    activation: bool = False  # no password yet: the person sets one through an activation mail

    @property
    def detail(self) -> str:
        if self.activation:
            return "no password yet, activation by mail"
        return "temporary password, expired" if self.password_expired else "password not expired"


@dataclass(frozen=True)
class AdminGranted(Event, action="admin.granted"):
    pass


@dataclass(frozen=True)
class AdminRevoked(Event, action="admin.revoked"):
    pass


@dataclass(frozen=True)
class GroupCreated(Event, action="group.created"):
    pass


@dataclass(frozen=True)
class GroupRenamed(Event, action="group.renamed"):
    new_name: str = ""

    @property
    def detail(self) -> str:
        return f"renamed to {self.new_name}"


@dataclass(frozen=True)
class GroupDeleted(Event, action="group.deleted"):
    pass


@dataclass(frozen=True)
class MemberAdded(Event, action="member.added"):
    group: str = ""

    @property
    def detail(self) -> str:
        return f"group {self.group}"


@dataclass(frozen=True)
class MemberRemoved(Event, action="member.removed"):
    group: str = ""

    @property
    def detail(self) -> str:
        return f"group {self.group}"


@dataclass(frozen=True)
class InviteSent(Event, action="invite.sent"):
    pass


@dataclass(frozen=True)
class ActivationSent(Event, action="activation.sent"):
    """An encrypted-envelope mail with a link to set the password of a user created without one."""


@dataclass(frozen=True)
class InviteCancelled(Event, action="invite.cancelled"):
    pass


@dataclass(frozen=True)
class InviteAccepted(Event, action="invite.accepted"):
    pass


@dataclass(frozen=True)
class GrantPending(Event, action="grant.pending"):
    group: str = ""

    @property
    def detail(self) -> str:
        return f"group {self.group}, waiting for registration"


@dataclass(frozen=True)
class UserRegistered(Event, action="user.registered"):
    pass


@dataclass(frozen=True)
class UserActivated(Event, action="user.activated"):
    """A user created without a password set one through the activation link."""


@dataclass(frozen=True)
class UserClaimed(Event, action="user.claimed"):
    """The person of the email proved the mailbox and took over a user someone else had created for it."""

    @property
    def detail(self) -> str:
        return "the mailbox was proven; the password its creator set no longer works and its sessions ended"


# Audited by the store itself rather than by a command's handler.
@dataclass(frozen=True)
class InviteExpired(Event, action="invite.expired"):
    """The periodic job closed an invite not accepted in time, and the grants waiting on it."""


@dataclass(frozen=True)
class PasswordChanged(Event, action="password.changed"):
    """A user changed their own password (no account: the user's, in every account)."""


@dataclass(frozen=True)
class PasswordReset(Event, action="password.reset"):
    """A user set a new password through a mailed link."""


@dataclass(frozen=True)
class CommandReplayed(Event, action="command.replayed"):
    """An operator put a dead letter's command back in the queue."""


AUDIT_ACTIONS: tuple[str, ...] = tuple(_EVENT_OF_ACTION)
