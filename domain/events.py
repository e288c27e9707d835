"""What happened, each event one audit entry: the table of every audit action.

Each kind of event names its action and its label in its class statement
(`class GroupCreated(Event, action="group.created", label=N_("Group created"))`), so a new kind of event cannot be made
without them; AUDIT_ACTIONS lists the actions and AUDIT_LABELS their labels. The action is the code the store, the
CLI, the API, the CSV export and the audit page's filter use; the label is what the audit page shows people (in their language: labels are marked for the catalogues). A detail
is a message (domain.said), so that it too reads in each reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.said import N_, as_message, said

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
class AccountCreated(Event, action="account.created", label=N_("Account created")):
    name: str = ""

    @property
    def detail(self) -> str:
        return self.name


@dataclass(frozen=True)
class UserAdded(Event, action="user.added", label=N_("User added")):
    password_expired: bool = True
    activation: bool = False  # no password yet: the person sets one through an activation mail

    @property
    def detail(self) -> str:
        if self.activation:
            return said("audit.activation_by_mail")
        return said("audit.password_expired") if self.password_expired else said("audit.password_not_expired")


@dataclass(frozen=True)
class AdminGranted(Event, action="admin.granted", label=N_("Administrator granted")):
    pass


@dataclass(frozen=True)
class AdminRevoked(Event, action="admin.revoked", label=N_("Administrator revoked")):
    pass


@dataclass(frozen=True)
class GroupCreated(Event, action="group.created", label=N_("Group created")):
    pass


@dataclass(frozen=True)
class GroupRenamed(Event, action="group.renamed", label=N_("Group renamed")):
    new_name: str = ""

    @property
    def detail(self) -> str:
        return said("audit.renamed_to", new_name=self.new_name)


@dataclass(frozen=True)
class GroupDeleted(Event, action="group.deleted", label=N_("Group deleted")):
    pass


@dataclass(frozen=True)
class MemberAdded(Event, action="member.added", label=N_("Member added to a group")):
    group: str = ""

    @property
    def detail(self) -> str:
        return said("audit.group", group=self.group)


@dataclass(frozen=True)
class MemberRemoved(Event, action="member.removed", label=N_("Member removed from a group")):
    group: str = ""

    @property
    def detail(self) -> str:
        return said("audit.group", group=self.group)


@dataclass(frozen=True)
class InviteSent(Event, action="invite.sent", label=N_("Invite sent")):
    pass


@dataclass(frozen=True)
class ActivationSent(Event, action="activation.sent", label=N_("Activation mail sent")):
    """An encrypted-envelope mail with a link to set the password of a user created without one."""


@dataclass(frozen=True)
class InviteCancelled(Event, action="invite.cancelled", label=N_("Invite cancelled")):
    pass


@dataclass(frozen=True)
class InviteAccepted(Event, action="invite.accepted", label=N_("Invite accepted")):
    pass


@dataclass(frozen=True)
class GrantPending(Event, action="grant.pending", label=N_("Grant pending: invite sent")):
    group: str = ""

    @property
    def detail(self) -> str:
        return said("audit.group_waiting", group=self.group)


@dataclass(frozen=True)
class UserRegistered(Event, action="user.registered", label=N_("User registered")):
    pass


@dataclass(frozen=True)
class UserActivated(Event, action="user.activated", label=N_("User activated: password set")):
    """A user created without a password set one through the activation link."""


@dataclass(frozen=True)
class UserClaimed(Event, action="user.claimed", label=N_("User claimed by the owner of the mailbox")):
    """The person of the email proved the mailbox and took over a user someone else had created for it."""

    @property
    def detail(self) -> str:
        return said("audit.claimed")


# Audited by the store itself rather than by a command's handler.
@dataclass(frozen=True)
class InviteExpired(Event, action="invite.expired", label=N_("Invite expired")):
    """The periodic job closed an invite not accepted in time, and the grants waiting on it."""


@dataclass(frozen=True)
class PasswordChanged(Event, action="password.changed", label=N_("Password changed")):
    """A user changed their own password (no account: the user's, in every account)."""


@dataclass(frozen=True)
class PasswordReset(Event, action="password.reset", label=N_("Password reset through a mailed link")):
    """A user set a new password through a mailed link."""


@dataclass(frozen=True)
class CommandReplayed(Event, action="command.replayed", label=N_("Failed command replayed")):
    """An operator put a dead letter's command back in the queue."""


@dataclass(frozen=True)
class ApiKeyCreated(Event, action="apikey.created", label=N_("API key created")):
    """A key of the HTTP API was made (an entry in each account it covers; none for a support key)."""

    scope: str = ""
    person: str = ""

    @property
    def detail(self) -> str:
        return said("audit.key_scope", scope=self.scope, person=self.person)


@dataclass(frozen=True)
class ApiKeyRotated(Event, action="apikey.rotated", label=N_("API key rotated")):
    """A key of the HTTP API got a new secret; the old one works until `until`."""

    until: str = ""

    @property
    def detail(self) -> str:
        return said("audit.key_old_until", until=self.until)


@dataclass(frozen=True)
class ApiKeyRevoked(Event, action="apikey.revoked", label=N_("API key revoked")):
    """A key of the HTTP API was stopped."""


@dataclass(frozen=True)
class ApiKeyCallbackStopped(Event, action="apikey.callback_stopped", label=N_("API key callback stopped")):
    """A key's callback URL answered 410 Gone: its outcomes are no longer posted there."""

    url: str = ""

    @property
    def detail(self) -> str:
        return said("audit.callback_gone", url=self.url)


# Audited by the apply path for a command that did not go through.
@dataclass(frozen=True)
class CommandRefused(Event, action="command.refused", label=N_("Refused")):
    """The rules refused a command (a limit reached, a validation, no right to act): the attempt is kept, with what
    it asked and why it was refused."""

    asked: str = ""  # what the command asked, in words: "grant administrator"
    reason: str = ""

    @property
    def detail(self) -> str:
        return said("audit.refused", asked=as_message(self.asked), reason=as_message(self.reason))


@dataclass(frozen=True)
class CommandFailed(Event, action="command.failed", label=N_("Failed")):
    """A command could not be applied however often it was tried: it was dead-lettered."""

    asked: str = ""
    reason: str = ""

    @property
    def detail(self) -> str:
        return said("audit.refused", asked=as_message(self.asked), reason=as_message(self.reason))


@dataclass(frozen=True)
class UserDisabled(Event, action="user.disabled", label=N_("User disabled")):
    pass


@dataclass(frozen=True)
class UserEnabled(Event, action="user.enabled", label=N_("User enabled")):
    pass


@dataclass(frozen=True)
class UserRemoved(Event, action="user.removed", label=N_("User removed from the account")):
    groups: tuple[str, ...] = ()

    @property
    def detail(self) -> str:
        return said("audit.left_groups", groups=", ".join(self.groups)) if self.groups else ""


@dataclass(frozen=True)
class PasswordResetByAdmin(Event, action="password.reset_by_admin", label=N_("Password reset by an administrator")):
    activation: bool = False

    @property
    def detail(self) -> str:
        return said("audit.activation_sent") if self.activation else said("audit.password_expired")


@dataclass(frozen=True)
class UserRenamed(Event, action="user.renamed", label=N_("User renamed")):
    name: str = ""

    @property
    def detail(self) -> str:
        return said("audit.now_named", name=self.name)


@dataclass(frozen=True)
class AccountLanguageSet(Event, action="account.language_set", label=N_("Account language set")):
    """The language of the account's mails when their reader's is not known."""

    language: str = ""

    @property
    def detail(self) -> str:
        return said("audit.language_now", language=said(f"language.{self.language}"))


AUDIT_ACTIONS: tuple[str, ...] = tuple(_EVENT_OF_ACTION)
AUDIT_LABELS: dict[str, str] = {action: kind.label for action, kind in _EVENT_OF_ACTION.items()}


def action_label(action: str) -> str:
    """The action as people read it; its code if it has no label (an action no release of envadmin knows)."""
    return AUDIT_LABELS.get(action, action)

