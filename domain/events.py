"""What happened when a command was applied; each event becomes one audit entry."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """Something that changed in one account."""

    account: str
    target: str

    @property
    def action(self) -> str:
        return _ACTIONS[type(self)]

    @property
    def detail(self) -> str:
        return ""


@dataclass(frozen=True)
class AccountCreated(Event):
    name: str = ""

    @property
    def detail(self) -> str:
        return self.name


@dataclass(frozen=True)
class UserAdded(Event):
    password_expired: bool = True
    activation: bool = False  # no password yet: the person sets one through an activation mail

    @property
    def detail(self) -> str:
        if self.activation:
            return "no password yet, activation by mail"
        return "temporary password, expired" if self.password_expired else "password not expired"


@dataclass(frozen=True)
class AdminGranted(Event):
    pass


@dataclass(frozen=True)
class AdminRevoked(Event):
    pass


@dataclass(frozen=True)
class GroupCreated(Event):
    pass


@dataclass(frozen=True)
class GroupRenamed(Event):
    new_name: str = ""

    @property
    def detail(self) -> str:
        return f"renamed to {self.new_name}"


@dataclass(frozen=True)
class GroupDeleted(Event):
    pass


@dataclass(frozen=True)
class MemberAdded(Event):
    group: str = ""

    @property
    def detail(self) -> str:
        return f"group {self.group}"


@dataclass(frozen=True)
class MemberRemoved(Event):
    group: str = ""

    @property
    def detail(self) -> str:
        return f"group {self.group}"


@dataclass(frozen=True)
class InviteSent(Event):
    pass


@dataclass(frozen=True)
class ActivationSent(Event):
    """An encrypted-envelope mail with a link to set the password of a user created without one."""


@dataclass(frozen=True)
class InviteCancelled(Event):
    pass


@dataclass(frozen=True)
class InviteAccepted(Event):
    pass


@dataclass(frozen=True)
class GrantPending(Event):
    group: str = ""

    @property
    def detail(self) -> str:
        return f"group {self.group}, waiting for registration"


@dataclass(frozen=True)
class UserRegistered(Event):
    pass


@dataclass(frozen=True)
class UserActivated(Event):
    """A user created without a password set one through the activation link."""


@dataclass(frozen=True)
class UserClaimed(Event):
    """The person of the email proved the mailbox and took over a user someone else had created for it."""

    @property
    def detail(self) -> str:
        return "the mailbox was proven; the password its creator set no longer works and its sessions ended"


_ACTIONS = {
    AccountCreated: "account.created",
    UserAdded: "user.added",
    AdminGranted: "admin.granted",
    AdminRevoked: "admin.revoked",
    GroupCreated: "group.created",
    GroupRenamed: "group.renamed",
    GroupDeleted: "group.deleted",
    MemberAdded: "member.added",
    MemberRemoved: "member.removed",
    InviteSent: "invite.sent",
    ActivationSent: "activation.sent",
    InviteCancelled: "invite.cancelled",
    InviteAccepted: "invite.accepted",
    GrantPending: "grant.pending",
    UserRegistered: "user.registered",
    UserActivated: "user.activated",
    UserClaimed: "user.claimed",
}
