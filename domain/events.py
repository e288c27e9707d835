"""What happened, each event one audit entry: the table of every audit action.

Each kind of event names its action and its label in its class statement
(`class GroupCreated(Event, action="group.created", label="Group created")`), so a new kind of event cannot be made
without them; AUDIT_ACTIONS lists the actions and AUDIT_LABELS their labels. The action is the code the store, the
CLI, the API, the CSV export and the audit page's filter use; the label is what the audit page shows people.
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
    label: ClassVar[str]  # what people read on the audit page: "Group created"

    def __init_subclass__(cls, *, action: str, label: str = "", **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if action in _EVENT_OF_ACTION:
            raise TypeError(f"{cls.__name__}: the audit action {action!r} is {_EVENT_OF_ACTION[action].__name__}'s")
        if not label:
            raise TypeError(f"{cls.__name__}: the audit action {action!r} needs a label people read")
        cls.action, cls.label = action, label
        _EVENT_OF_ACTION[action] = cls

    @property
    def detail(self) -> str:
        return ""


@dataclass(frozen=True)
class AccountCreated(Event, action="account.created", label="Account created"):
    name: str = ""

    @property
    def detail(self) -> str:
        return self.name


@dataclass(frozen=True)
class UserAdded(Event, action="user.added", label="User added"):
    password_expired: bool = True
    activation: bool = False  # no password yet: the person sets one through an activation mail

    @property
    def detail(self) -> str:
        if self.activation:
            return "no password yet, activation by mail"
        return "temporary password, expired" if self.password_expired else "password not expired"


@dataclass(frozen=True)
class AdminGranted(Event, action="admin.granted", label="Administrator granted"):
    pass


@dataclass(frozen=True)
class AdminRevoked(Event, action="admin.revoked", label="Administrator revoked"):
    pass


@dataclass(frozen=True)
class GroupCreated(Event, action="group.created", label="Group created"):
    pass


@dataclass(frozen=True)
class GroupRenamed(Event, action="group.renamed", label="Group renamed"):
    new_name: str = ""

    @property
    def detail(self) -> str:
        return f"renamed to {self.new_name}"


@dataclass(frozen=True)
class GroupDeleted(Event, action="group.deleted", label="Group deleted"):
    pass


@dataclass(frozen=True)
class MemberAdded(Event, action="member.added", label="Member added to a group"):
    group: str = ""

    @property
    def detail(self) -> str:
        return f"group {self.group}"


@dataclass(frozen=True)
class MemberRemoved(Event, action="member.removed", label="Member removed from a group"):
    group: str = ""

    @property
    def detail(self) -> str:
        return f"group {self.group}"


@dataclass(frozen=True)
class InviteSent(Event, action="invite.sent", label="Invite sent"):
    pass


@dataclass(frozen=True)
class ActivationSent(Event, action="activation.sent", label="Activation mail sent"):
    """An encrypted-envelope mail with a link to set the password of a user created without one."""


@dataclass(frozen=True)
class InviteCancelled(Event, action="invite.cancelled", label="Invite cancelled"):
    pass


@dataclass(frozen=True)
class InviteAccepted(Event, action="invite.accepted", label="Invite accepted"):
    pass


@dataclass(frozen=True)
class GrantPending(Event, action="grant.pending", label="Grant pending: invite sent"):
    group: str = ""

    @property
    def detail(self) -> str:
        return f"group {self.group}, waiting for registration"


@dataclass(frozen=True)
class UserRegistered(Event, action="user.registered", label="User registered"):
    pass


@dataclass(frozen=True)
class UserActivated(Event, action="user.activated", label="User activated: password set"):
    """A user created without a password set one through the activation link."""


@dataclass(frozen=True)
class UserClaimed(Event, action="user.claimed", label="User claimed by the owner of the mailbox"):
    """The person of the email proved the mailbox and took over a user someone else had created for it."""

    @property
    def detail(self) -> str:
        return "the mailbox was proven; the password its creator set no longer works and its sessions ended"


# Audited by the store itself rather than by a command's handler.
@dataclass(frozen=True)
class InviteExpired(Event, action="invite.expired", label="Invite expired"):
    """The periodic job closed an invite not accepted in time, and the grants waiting on it."""


@dataclass(frozen=True)
class PasswordChanged(Event, action="password.changed", label="Password changed"):
    """A user changed their own password (no account: the user's, in every account)."""


@dataclass(frozen=True)
class PasswordReset(Event, action="password.reset", label="Password reset through a mailed link"):
    """A user set a new password through a mailed link."""


@dataclass(frozen=True)
class CommandReplayed(Event, action="command.replayed", label="Failed command replayed"):
    """An operator put a dead letter's command back in the queue."""


@dataclass(frozen=True)
class ApiKeyCreated(Event, action="apikey.created", label="API key created"):
    """A key of the HTTP API was made (an entry in each account it covers; none for a support key)."""

    scope: str = ""
    person: str = ""

    @property
    def detail(self) -> str:
        return f"{self.scope}, acting as {self.person}"


@dataclass(frozen=True)
class ApiKeyRotated(Event, action="apikey.rotated", label="API key rotated"):
    """A key of the HTTP API got a new secret; the old one works until `until`."""

    until: str = ""

    @property
    def detail(self) -> str:
        return f"the old key works until {self.until}"


@dataclass(frozen=True)
class ApiKeyRevoked(Event, action="apikey.revoked", label="API key revoked"):
    """A key of the HTTP API was stopped."""


@dataclass(frozen=True)
class ApiKeyCallbackStopped(Event, action="apikey.callback_stopped", label="API key callback stopped"):
    """A key's callback URL answered 410 Gone: its outcomes are no longer posted there."""

    url: str = ""

    @property
    def detail(self) -> str:
        return f"{self.url} answered 410 Gone; its waiting deliveries were given up"


# Audited by the apply path for a command that did not go through.
@dataclass(frozen=True)
class CommandRefused(Event, action="command.refused", label="Refused"):
    """The rules refused a command (a limit reached, a validation, no right to act): the attempt is kept, with what
    it asked and why it was refused."""

    asked: str = ""  # what the command asked, in words: "grant administrator"
    reason: str = ""

    @property
    def detail(self) -> str:
        return f"{self.asked}: {self.reason}"


@dataclass(frozen=True)
class CommandFailed(Event, action="command.failed", label="Failed"):
    """A command could not be applied however often it was tried: it was dead-lettered."""

    asked: str = ""
    reason: str = ""

    @property
    def detail(self) -> str:
        return f"{self.asked}: {self.reason}"


@dataclass(frozen=True)
class UserDisabled(Event, action="user.disabled", label="User disabled"):
    pass


@dataclass(frozen=True)
class UserEnabled(Event, action="user.enabled", label="User enabled"):
    pass


@dataclass(frozen=True)
class UserRemoved(Event, action="user.removed", label="User removed from the account"):
    groups: tuple[str, ...] = ()

    @property
    def detail(self) -> str:
        return f"left groups {', '.join(self.groups)}" if self.groups else ""


@dataclass(frozen=True)
class PasswordResetByAdmin(Event, action="password.reset_by_admin", label="Password reset by an administrator"):
    activation: bool = False

    @property
    def detail(self) -> str:
        return "activation mail sent" if self.activation else "temporary password, expired"


@dataclass(frozen=True)
class UserRenamed(Event, action="user.renamed", label="User renamed"):
    name: str = ""

    @property
    def detail(self) -> str:
        return f"now {self.name}"


@dataclass(frozen=True)
class AccountLanguageSet(Event, action="account.language_set", label="Account language set"):
    """The language of the account's mails when their reader's is not known."""

    language: str = ""

    @property
    def detail(self) -> str:
        return f"now {self.language}"


AUDIT_ACTIONS: tuple[str, ...] = tuple(_EVENT_OF_ACTION)
AUDIT_LABELS: dict[str, str] = {action: kind.label for action, kind in _EVENT_OF_ACTION.items()}


def action_label(action: str) -> str:
    """The action as people read it; its code if it has no label (an action no release of envadmin knows)."""
    return AUDIT_LABELS.get(action, action)

