"""What an account's administrator does to the account's users: disable and enable them, remove them from the
account, reset their password, rename them.

A person may be a user of several accounts, with one password and one name. What changes only the account's own
view of them (disabled there, removed from it) any of its administrators may do. What changes the person everywhere
(their password, their name) only the administrator of their one account may do: otherwise an administrator of one
account could take over a seat its person holds in another. A password an administrator set is known to them, so the
identity is no longer taken as proven by its mailbox (domain.model.User.vouched_for).
"""
from __future__ import annotations

from datetime import datetime

from domain import activation
from domain import commands as c
from domain import events as ev
from domain.errors import Refused
from domain.handlers import Outcome, active_administrators, authorize, handles
from domain.model import ADMIN_GROUP_KEY, User, email_key
from domain.ports import Repository
from domain.said import said
from domain.states import GrantStatus, InviteStatus


@handles(c.DisableUser)
def disable_user(cmd: c.DisableUser, repo: Repository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    user = _account_user(cmd, repo)
    if repo.is_disabled(cmd.account, user.key):
        return Outcome(said("user.already_disabled", email=user.email, account=cmd.account))
    _keep_an_active_administrator(cmd, repo, user, "admin.last_active.disable")
    repo.set_disabled(cmd.account, user.key, now)
    repo.end_sessions(user.key)
    return Outcome(said("user.disabled", email=user.email, account=cmd.account),
                   [ev.UserDisabled(cmd.account, user.email)])


@handles(c.EnableUser)
def enable_user(cmd: c.EnableUser, repo: Repository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    user = _account_user(cmd, repo)
    if not repo.is_disabled(cmd.account, user.key):
        return Outcome(said("user.already_active", email=user.email, account=cmd.account))
    repo.set_disabled(cmd.account, user.key, None)
    return Outcome(said("user.enabled", email=user.email, account=cmd.account),
                   [ev.UserEnabled(cmd.account, user.email)])


@handles(c.RemoveUser)
def remove_user(cmd: c.RemoveUser, repo: Repository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    user = _account_user(cmd, repo)
    if repo.is_member(cmd.account, ADMIN_GROUP_KEY, user.key) and \
            repo.count_members(cmd.account, ADMIN_GROUP_KEY) <= 1:
        raise Refused(said("admin.last", email=user.email, account=cmd.account))
    _keep_an_active_administrator(cmd, repo, user, "admin.last_active.remove")
    left = repo.groups_of(cmd.account, user.key)
    for group in left:
        repo.remove_member(cmd.account, group.key, user.key)
        clock = repo.get_clock(cmd.account, group.key, user.key)
        if clock is None or not clock.is_newer_than(cmd.issued_at, cmd.id):  # a clock never goes back
            repo.set_clock(cmd.account, group.key, user.key, cmd.issued_at, cmd.id)
    reason = f"{user.email} was removed from account {cmd.account} by {cmd.actor} (command {cmd.id})"
    for grant in repo.pending_grants(user.key, cmd.account):
        repo.close_pending_grant(grant.id, GrantStatus.CANCELLED, reason, now)
    invite = repo.find_invite(cmd.account, user.key)
    if invite is not None and invite.status == InviteStatus.PENDING:
        repo.set_invite_status(invite.id, InviteStatus.CANCELLED, reason, now)
    repo.remove_account_user(cmd.account, user.key)
    names = tuple(group.name for group in left)
    return Outcome(said("user.removed.groups", email=user.email, account=cmd.account, groups=", ".join(names))
                   if names else said("user.removed", email=user.email, account=cmd.account),
                   [ev.UserRemoved(cmd.account, user.email, groups=names)])


@handles(c.ResetPassword)
def reset_password(cmd: c.ResetPassword, repo: Repository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    user = _only_this_accounts_user(cmd, repo, "user.in_other_accounts.password")
    if cmd.activation is not None:
        mailed = activation.send_activation(cmd, user.email, repo, now)  # refused by a limit before any write
        repo.set_password(user.key, None, cmd.account)
        return Outcome(said("password.reset.activation", email=user.email),
                       [ev.PasswordResetByAdmin(cmd.account, user.email, activation=True), mailed])
    repo.set_password(user.key, cmd.password_hash, cmd.account, expired=cmd.password_expired)
    reset = ev.PasswordResetByAdmin(cmd.account, user.email)
    if not cmd.password_expired:
        return Outcome(said("password.reset.synced", email=user.email), [reset])
    return Outcome(said("password.reset.temporary", email=user.email), [reset])


@handles(c.RenameUser)
def rename_user(cmd: c.RenameUser, repo: Repository, now: datetime) -> Outcome:
    authorize(cmd, repo)
    user = _only_this_accounts_user(cmd, repo, "user.in_other_accounts.name")
    if (user.first_name, user.last_name) == (cmd.first_name, cmd.last_name):
        return Outcome(said("user.already_named", email=user.email, first_name=cmd.first_name,
                            last_name=cmd.last_name))
    repo.set_names(user.key, cmd.first_name, cmd.last_name)
    return Outcome(said("user.renamed", email=user.email, first_name=cmd.first_name, last_name=cmd.last_name),
                   [ev.UserRenamed(cmd.account, user.email, name=f"{cmd.first_name} {cmd.last_name}")])


def _account_user(cmd: c.Command, repo: Repository) -> User:
    key = email_key(cmd.email)
    user = repo.get_user(key)
    if user is None or not repo.is_account_user(cmd.account, key):
        raise Refused(said("user.not_in_account", email=cmd.email, account=cmd.account))
    return user


def _only_this_accounts_user(cmd: c.Command, repo: Repository, refusal: str) -> User:
    """The command's user, if no other account has them; else refused with the message of code `refusal`."""
    user = _account_user(cmd, repo)
    others = [account for account in repo.accounts_of(user.key) if account != cmd.account]
    if others:
        raise Refused(said(refusal, email=user.email, accounts=", ".join(others)))
    return user


def _keep_an_active_administrator(cmd: c.Command, repo: Repository, user: User, refusal: str) -> None:
    if not repo.is_member(cmd.account, ADMIN_GROUP_KEY, user.key) or repo.is_disabled(cmd.account, user.key):
        return
    if active_administrators(cmd.account, repo) <= 1:
        raise Refused(said(refusal, email=user.email, account=cmd.account))
