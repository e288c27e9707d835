"""Users created without a password: an encrypted-envelope mail whose link lets the person set one."""
from __future__ import annotations

from datetime import datetime

from domain import commands as c
from domain import events as ev
from domain import invitations
from domain.invite_limits import check_invite_limits
from domain.invite_roles import ACTIVATION_ROLE
from domain.model import User, email_key
from domain.ports import Invites
from domain.states import InviteStatus


def new_user(cmd: c.CreateAccount | c.AddUser, email: str) -> User:
    """The user a command creates: with its temporary password, or with none until activated."""
    if cmd.activation is not None:
        return User(email, cmd.first_name, cmd.last_name, None, True, created_by_account=cmd.account)
    return User(email, cmd.first_name, cmd.last_name, cmd.password_hash, cmd.password_expired,
                created_by_account=cmd.account)


def send_activation(cmd: c.CreateAccount | c.AddUser, email: str, repo: Invites,
                    now: datetime) -> ev.Event:
    """An invite to the command's account carrying no grant, mailed in an encrypted envelope with the link to
    set the password; a live invite of the email to that account is replaced by it (its grants were retried)."""
    earlier = repo.find_invite(cmd.account, email_key(email))
    check_invite_limits(repo, cmd.account, email, now)
    invite, token = invitations.new_invite(cmd, repo, now, email)
    if earlier is not None:
        repo.set_invite_status(earlier.id, InviteStatus.REPLACED, f"replaced by activation invite {invite.id}", now)
    repo.send_invite_mail(invite, token, ACTIVATION_ROLE, replaces=earlier)
    return ev.ActivationSent(cmd.account, email)
