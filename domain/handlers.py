"""One handler per command: the account-administrator rules of the manual console."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable
from uuid import uuid4

from domain import activation, invitations
from domain import commands as c
from domain import events as ev
from domain.command_audit import audit_entry, retry_correlation
from domain.errors import NotAuthorized, Refused, Superseded
from domain.model import (
    ADMIN_GROUP,
    ADMIN_GROUP_KEY,
    DEFAULT_LANGUAGE,
    SUPPORT,
    WHOLE_GROUP,
    Account,
    Group,
    email_key,
    group_key,
)
from domain.ports import AuditTrail, Groups, MembershipRepository, Memberships, PendingGrants, Repository
from domain.said import Said, said
from domain.states import CommandStatus, GrantStatus


@dataclass
class Outcome:
    """What applying one command did: a sentence for the user and the events it caused."""

    message: Said
    events: list[ev.Event] = field(default_factory=list)
    status: CommandStatus = CommandStatus.APPLIED
    follow_ups: list[c.Command] = field(default_factory=list)


Handler = Callable[[Any, Repository, datetime], Outcome]
HANDLERS: dict[type[c.Command], Handler] = {}  # one per model of c.COMMAND_MODELS, each registered by @handles
# The handlers a MembershipRepository serves (the set-based path); the others ask for more of the store.
MEMBERSHIP_HANDLERS: dict[type[c.Command], Callable[[Any, MembershipRepository, datetime], Outcome]] = {}


def handles(model: type[c.Command], *, membership: bool = False) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of `model`'s commands; `membership`: it needs no more of the
    store than a MembershipRepository."""
    def register(handler: Handler) -> Handler:
        if model in HANDLERS:
            raise TypeError(f"{model.__name__} has a handler already: {HANDLERS[model].__name__}")
        HANDLERS[model] = handler
        if membership:
            MEMBERSHIP_HANDLERS[model] = handler
        return handler
    return register


@handles(c.CreateAccount, membership=True)
def create_account(cmd: c.CreateAccount, repo: MembershipRepository, now: datetime) -> Outcome:
    if cmd.actor != SUPPORT:
        raise NotAuthorized(said("actor.not_support", actor=cmd.actor, account=cmd.account))
    if repo.lock_account(cmd.account) is not None:
        raise Refused(said("account.exists", account=cmd.account))
    repo.add_account(Account(cmd.account, cmd.name, cmd.language or DEFAULT_LANGUAGE))
    admins = Group(cmd.account, ADMIN_GROUP)
    repo.add_group(admins)
    events: list[ev.Event] = [ev.AccountCreated(cmd.account, cmd.account, name=cmd.name)]
    user = repo.get_user(email_key(cmd.admin_email))
    if user is not None and not user.vouched_for(cmd.account):  # its holder may not be its person: ask the mailbox
        grant = c.GrantAdmin.model_construct(**cmd.model_dump(include=set(c.Command.model_fields)),
                                             email=cmd.admin_email, retry_of=None)
        held, more = invitations.hold_grant(grant, repo, admins, now)
        return Outcome(said("account.created.pending", account=cmd.account, name=cmd.name).then(held), events + more,
                       status=CommandStatus.PENDING)
    created = user is None
    if created:
        user = activation.new_user(cmd, cmd.admin_email)
        repo.add_user(user)
        events.append(_user_added(cmd, user.email))
    repo.add_member(cmd.account, admins.key, user.key)
    repo.add_account_user(cmd.account, user.key)
    repo.set_clock(cmd.account, admins.key, user.key, cmd.issued_at, cmd.id)
    events.append(ev.AdminGranted(cmd.account, user.email))
    message = said("account.created", account=cmd.account, name=cmd.name, email=user.email)
    if created and cmd.activation is not None:
        events.append(activation.send_activation(cmd, user.email, repo, now))
        message = message.then(said("activation.mailed"))
    return Outcome(message, events)


@handles(c.AddUser, membership=True)
def add_user(cmd: c.AddUser, repo: MembershipRepository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    key = email_key(cmd.email)
    existing = repo.get_user(key)
    if existing is not None and repo.is_account_user(cmd.account, key):
        raise Refused(said("user.exists", email=existing.email))
    if existing is not None:  # a person with a sign-in of their own: their password and names stay theirs
        repo.add_account_user(cmd.account, key)
        return Outcome(said("user.joined_account", email=existing.email, account=cmd.account),
                       [ev.UserAdded(cmd.account, existing.email, password_expired=existing.password_expired)])
    repo.add_user(activation.new_user(cmd, cmd.email))
    repo.add_account_user(cmd.account, key)
    # The console's own fix: an admin of this account adds the user, so this account's pending
    # grants are retried; another account's stay pending (its admin did not vouch for the email).
    retries = retry_pending_grants(email_key(cmd.email), repo, now, account=cmd.account, source=cmd.source)
    events = [_user_added(cmd, cmd.email)]
    message = said("user.added", email=cmd.email)
    if cmd.activation is not None:
        events.append(activation.send_activation(cmd, cmd.email, repo, now))
        message = message.then(said("activation.mailed"))
    if retries:
        message = message.then(said("grants.retrying", count=len(retries), account=cmd.account))
    return Outcome(message, events, follow_ups=retries)


def _user_added(cmd: c.CreateAccount | c.AddUser, email: str) -> ev.UserAdded:
    return ev.UserAdded(cmd.account, email, password_expired=cmd.password_expired,
                        activation=cmd.activation is not None)


@handles(c.InviteUser, membership=True)
def invite_user(cmd: c.InviteUser, repo: MembershipRepository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    group = Group(cmd.account, ADMIN_GROUP) if cmd.group is None else \
        _existing_group(cmd.account, cmd.group, repo)
    return _join(cmd, repo, group, now)


@handles(c.ResendInvite)
def resend_invite(cmd: c.ResendInvite, repo: Repository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    return Outcome(*invitations.resend(cmd, repo, now))


@handles(c.CancelInvite, membership=True)
def cancel_invite(cmd: c.CancelInvite, repo: MembershipRepository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    return Outcome(*invitations.cancel(cmd, repo, now))


def retry_pending_grants(key: str, repo: PendingGrants, now: datetime, account: str | None = None,
                         source: str = "cli", on_registration: bool = False) -> list[c.Command]:
    """Each pending grant of the email as a new grant command, by its inviter, at its issue time; `source`: where
    the registration (or the user's creation) that retries them came from; `on_registration`: the invitee's
    registration retries them (else an administrator's creation of the user), as the audit tells."""
    retries: list[c.Command] = []
    for grant in repo.pending_grants(key, account):
        fields = dict(id=uuid4(), issued_at=grant.issued_at, actor=grant.actor, source=source,
                      correlation_id=retry_correlation(grant.command_id, on_registration), account=grant.account,
                      email=grant.email, retry_of=grant.command_id)
        retry = c.system_command(c.GrantAdmin, **fields) if grant.group == ADMIN_GROUP_KEY else \
            c.system_command(c.AddMember, group=grant.group, **fields)
        repo.close_pending_grant(grant.id, GrantStatus.RETRIED, f"retried as command {retry.id}", now)
        retries.append(retry)
    return retries


@handles(c.GrantAdmin, membership=True)
def grant_admin(cmd: c.GrantAdmin, repo: MembershipRepository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    return _join(cmd, repo, Group(cmd.account, ADMIN_GROUP), now)


@handles(c.RevokeAdmin, membership=True)
def revoke_admin(cmd: c.RevokeAdmin, repo: MembershipRepository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    return _leave(cmd, repo, Group(cmd.account, ADMIN_GROUP), now)


@handles(c.AddMember, membership=True)
def add_member(cmd: c.AddMember, repo: MembershipRepository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    return _join(cmd, repo, _existing_group(cmd.account, cmd.group, repo), now)


@handles(c.RemoveMember, membership=True)
def remove_member(cmd: c.RemoveMember, repo: MembershipRepository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    return _leave(cmd, repo, _existing_group(cmd.account, cmd.group, repo), now)


@handles(c.CreateGroup, membership=True)
def create_group(cmd: c.CreateGroup, repo: MembershipRepository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    existing = repo.get_group(cmd.account, group_key(cmd.group))
    if existing is not None:
        raise Refused(said("group.exists", group=existing.name, account=cmd.account))
    repo.add_group(Group(cmd.account, cmd.group))
    return Outcome(said("group.created", group=cmd.group, account=cmd.account),
                   [ev.GroupCreated(cmd.account, cmd.group)])


@handles(c.RenameGroup)
def rename_group(cmd: c.RenameGroup, repo: Repository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    group = _existing_group(cmd.account, cmd.group, repo)
    if group.is_builtin:
        raise Refused(said("group.builtin_rename", group=ADMIN_GROUP))
    clash = repo.get_group(cmd.account, group_key(cmd.new_name))
    if clash is not None and clash.key != group.key:
        raise Refused(said("group.exists", group=clash.name, account=cmd.account))
    repo.rename_group(cmd.account, group.key, cmd.new_name)
    return Outcome(said("group.renamed", group=group.name, new_name=cmd.new_name, account=cmd.account),
                   [ev.GroupRenamed(cmd.account, group.name, new_name=cmd.new_name)])


@handles(c.DeleteGroup)
def delete_group(cmd: c.DeleteGroup, repo: Repository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    group = _existing_group(cmd.account, cmd.group, repo)
    if group.is_builtin:
        raise Refused(said("group.builtin_delete", group=ADMIN_GROUP))
    repo.delete_group(cmd.account, group.key)
    repo.set_clock(cmd.account, group.key, WHOLE_GROUP, cmd.issued_at, cmd.id)
    return Outcome(said("group.deleted", group=group.name, account=cmd.account),
                   [ev.GroupDeleted(cmd.account, group.name)])


def authorize(cmd: c.Command, repo: MembershipRepository) -> Account:
    """The command's account, locked, if its actor may act on it: support, or an administrator the account has not
    disabled."""
    account = repo.lock_account(cmd.account)
    if account is None:
        raise Refused(said("account.unknown", account=cmd.account))
    if cmd.actor == SUPPORT:
        return account
    actor = email_key(cmd.actor)
    if not repo.is_member(cmd.account, ADMIN_GROUP_KEY, actor):
        raise NotAuthorized(said("actor.not_admin", actor=cmd.actor, account=cmd.account))
    if repo.is_disabled(cmd.account, actor):
        raise NotAuthorized(said("actor.disabled", actor=cmd.actor, account=cmd.account))
    return account


def _existing_group(account: str, name: str, repo: Groups) -> Group:
    group = repo.get_group(account, group_key(name))
    if group is None:
        raise Refused(said("group.unknown", group=name, account=account))
    return group


def _claim_clock(cmd: c.Command, repo: Memberships, group: Group, user_key: str) -> None:
    clock = repo.get_clock(cmd.account, group.key, user_key)
    if clock is not None and clock.command_id == getattr(cmd, "retry_of", None):
        return  # the pending grant this command retries set the clock itself
    if clock is not None and clock.is_newer_than(cmd.issued_at, cmd.id):
        raise Superseded(said("superseded.later", command=str(clock.command_id), issued_at=clock.issued_at.isoformat(),
                              group=group.name, account=cmd.account))
    if group.is_builtin:
        return  # never deleted
    deleted = repo.get_clock(cmd.account, group.key, WHOLE_GROUP)
    if deleted is not None and deleted.is_newer_than(cmd.issued_at, cmd.id):
        raise Superseded(said("superseded.group_deleted", group=group.name, account=cmd.account,
                              command=str(deleted.command_id), issued_at=deleted.issued_at.isoformat()))


def _join(cmd: c.GrantAdmin | c.AddMember | c.InviteUser, repo: MembershipRepository, group: Group,
          now: datetime) -> Outcome:
    key = email_key(cmd.email)
    _claim_clock(cmd, repo, group, key)
    user = repo.get_user(key)
    if user is not None and not user.vouched_for(cmd.account):
        user = None  # created elsewhere and unproven: whoever holds it may not be the mailbox's person
    if user is None:
        if getattr(cmd, "retry_of", None) is not None:
            raise Refused(said("user.unknown"))
        message, events = invitations.hold_grant(cmd, repo, group, now)
        return Outcome(message, events, status=CommandStatus.PENDING)
    repo.set_clock(cmd.account, group.key, key, cmd.issued_at, cmd.id)
    if repo.is_member(cmd.account, group.key, key):
        return Outcome(_about_role(group, "admin.already", "member.already", user.email))
    repo.add_member(cmd.account, group.key, key)
    repo.add_account_user(cmd.account, key)
    event = ev.AdminGranted if group.is_builtin else ev.MemberAdded
    extra = {} if group.is_builtin else {"group": group.name}
    # A disabled user keeps the memberships they are given (an identity provider groups its deactivated users
    # too), and cannot act on them until enabled: authorize() refuses them.
    message = _about_role(group, "admin.granted", "member.added", user.email)
    if repo.is_disabled(cmd.account, key):
        message = message.then(said("role.waits_for_enable", account=cmd.account))
    return Outcome(message, [event(cmd.account, user.email, **extra)])


def _leave(cmd: c.RevokeAdmin | c.RemoveMember, repo: MembershipRepository, group: Group,
           now: datetime) -> Outcome:
    key = email_key(cmd.email)
    _claim_clock(cmd, repo, group, key)
    if not repo.is_member(cmd.account, group.key, key):
        repo.set_clock(cmd.account, group.key, key, cmd.issued_at, cmd.id)
        cancelled = invitations.cancel_pending(cmd.account, group, cmd.email, repo, now,
                                               f"revoked by {cmd.actor} before registration (command {cmd.id})")
        if cancelled:
            return Outcome(_about_role(group, "admin.pending_cancelled", "member.pending_cancelled", cmd.email),
                           [ev.InviteCancelled(cmd.account, cmd.email)])
        return Outcome(_about_role(group, "admin.not", "member.not", cmd.email))
    shown = repo.get_user(key).email
    if group.is_builtin and repo.count_members(cmd.account, group.key) <= 1:
        raise Refused(said("admin.last", email=shown, account=cmd.account))
    if group.is_builtin and not repo.is_disabled(cmd.account, key) and \
            active_administrators(cmd.account, repo) <= 1:
        raise Refused(said("admin.last_active", email=shown, account=cmd.account))
    repo.remove_member(cmd.account, group.key, key)
    repo.set_clock(cmd.account, group.key, key, cmd.issued_at, cmd.id)
    event = ev.AdminRevoked if group.is_builtin else ev.MemberRemoved
    extra = {} if group.is_builtin else {"group": group.name}
    return Outcome(_about_role(group, "admin.revoked", "member.removed", shown), [event(cmd.account, shown, **extra)])


def active_administrators(account: str, repo: MembershipRepository) -> int:
    """The account's administrators it has not disabled."""
    return repo.count_members(account, ADMIN_GROUP_KEY) - repo.count_disabled_members(account, ADMIN_GROUP_KEY)


def _about_role(group: Group, about_admin: str, about_member: str, email: str) -> Said:
    """The message of code `about_admin` for the built-in group, else of `about_member`, naming the group."""
    if group.is_builtin:
        return said(about_admin, email=email, account=group.account)
    return said(about_member, email=email, group=group.name, account=group.account)


def handle(cmd: c.Command, repo: Repository, now: datetime) -> Outcome:
    """Apply one command and audit every change it made; refusals are raised."""
    return _audited(cmd, HANDLERS[type(cmd)](cmd, repo, now), repo, now)


def handle_membership(cmd: c.Command, repo: MembershipRepository, now: datetime) -> Outcome:
    """handle() on a MembershipRepository, for the commands it serves; TypeError for any other."""
    handler = MEMBERSHIP_HANDLERS.get(type(cmd))
    if handler is None:
        raise TypeError(f"{type(cmd).__name__} needs more than a MembershipRepository")
    return _audited(cmd, handler(cmd, repo, now), repo, now)


def _audited(cmd: c.Command, outcome: Outcome, repo: AuditTrail, now: datetime) -> Outcome:
    for event in outcome.events:
        repo.add_audit(audit_entry(cmd, event, now))
    return outcome


# Importing them registers the handlers of what administrators do to the account and to its users.
from domain import account_settings, user_admin  # noqa: E402,F401
