"""Grants to an email with no user yet: an encrypted-envelope invite, and the grant kept pending."""
from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from domain import commands as c
from domain import events as ev
from domain.errors import Refused
from domain.invite_limits import check_invite_limits
from domain.invite_roles import ACTIVATION_ROLE, USER_ROLE, mail_role, roles_named
from domain.model import Group, Invite, PendingGrant, email_key
from domain.ports import GrantHolding, Invitations, InviteResends, Invites
from domain.said import Said, said
from domain.states import GrantStatus, InviteStatus
from domain.tokens import hash_token, new_token


def hold_grant(cmd: c.GrantAdmin | c.AddMember | c.InviteUser, repo: GrantHolding, group: Group,
               now: datetime) -> tuple[Said, list[ev.Event]]:
    """Keep the grant pending and make sure a live invite exists; a sentence and the events."""
    key = email_key(cmd.email)
    invite, sent = _live_invite(cmd, repo, now)
    events: list[ev.Event] = []
    if sent:
        repo.send_invite_mail(invite, sent, mail_role(group))
        events.append(ev.InviteSent(cmd.account, cmd.email))
    earlier = repo.pending_grants(key, cmd.account, group.key)
    for grant in earlier:  # the latest grant is the one replayed at registration (and its clock)
        repo.close_pending_grant(grant.id, GrantStatus.REPLACED,
                                 f"replaced by command {cmd.id}, a later grant of the same person and group", now)
    repo.add_pending_grant(PendingGrant(uuid4(), invite.id, cmd.account, group.key, cmd.email,
                                        cmd.id, cmd.actor, cmd.issued_at))
    if not earlier:
        events.append(ev.GrantPending(cmd.account, cmd.email, group=group.name))
    repo.set_clock(cmd.account, group.key, key, cmd.issued_at, cmd.id)
    about = {"email": cmd.email, "account": cmd.account} if group.is_builtin else \
        {"email": cmd.email, "account": cmd.account, "group": group.name}
    role = "admin" if group.is_builtin else "member"
    if sent:
        return said(f"invite.sent.{role}", **about), events
    return said(f"invite.live.{role}", sent_at=f"{invite.created_at:%Y-%m-%d %H:%M} UTC", **about), events


def cancel_pending(account: str, group: Group, email: str, repo: Invitations, now: datetime,
                   reason: str) -> int:
    """Cancel the pending grants of the email in this group, and their invite if nothing else waits; `reason`
    also ends the grants' commands."""
    key = email_key(email)
    grants = repo.pending_grants(key, account, group.key)
    for grant in grants:
        repo.close_pending_grant(grant.id, GrantStatus.CANCELLED, reason, now)
    invite = repo.find_invite(account, key)
    if grants and invite is not None and not repo.pending_grants(key, account):
        repo.set_invite_status(invite.id, InviteStatus.CANCELLED, reason, now)
    return len(grants)


def resend(cmd: c.ResendInvite, repo: InviteResends, now: datetime) -> tuple[Said, list[ev.Event]]:
    """A new invite replaces the live one; a user still without a password gets a new activation mail even
    when their last one expired or could not be delivered."""
    key = email_key(cmd.email)
    old = repo.find_invite(cmd.account, key)
    user = repo.get_user(key)
    to_activate = user is not None and user.awaits_activation and user.created_by_account == cmd.account
    if old is None and not to_activate:
        raise Refused(said("invite.none_pending", email=cmd.email, account=cmd.account))
    check_invite_limits(repo, cmd.account, cmd.email, now)
    new, token = new_invite(cmd, repo, now, old.email if old is not None else user.email)
    if old is not None:
        repo.set_invite_status(old.id, InviteStatus.REPLACED, f"replaced by invite {new.id}", now)
        repo.move_pending_grants(old.id, new.id)
    groups = {g.group for g in repo.pending_grants(new.key, cmd.account)}
    role = roles_named(mail_role(repo.get_group(cmd.account, key) or Group(cmd.account, key)) for key in groups) \
        or (ACTIVATION_ROLE if to_activate else USER_ROLE)
    repo.send_invite_mail(new, token, role, replaces=old)
    if old is None:
        return said("activation.resent", email=new.email), [ev.ActivationSent(cmd.account, new.email)]
    return (said("invite.resent", email=old.email),
            [ev.InviteSent(cmd.account, old.email)])


def cancel(cmd: c.CancelInvite, repo: Invitations, now: datetime) -> tuple[Said, list[ev.Event]]:
    key = email_key(cmd.email)
    invite = repo.find_invite(cmd.account, key)
    if invite is None:
        raise Refused(said("invite.none_pending", email=cmd.email, account=cmd.account))
    for grant in repo.pending_grants(key, cmd.account):
        repo.close_pending_grant(grant.id, GrantStatus.CANCELLED,
                                 f"its invite was cancelled by {cmd.actor} (command {cmd.id})", now)
    repo.set_invite_status(invite.id, InviteStatus.CANCELLED, f"cancelled by {cmd.actor}", now)
    return said("invite.cancelled", email=invite.email, account=cmd.account), \
        [ev.InviteCancelled(cmd.account, invite.email)]


def _live_invite(cmd, repo: Invitations, now: datetime) -> tuple[Invite, str | None]:
    """The live invite and None, or a new invite and its token (an expired one is closed first)."""
    invite = repo.find_invite(cmd.account, email_key(cmd.email))
    if invite is not None and invite.is_live(now):
        return invite, None
    check_invite_limits(repo, cmd.account, cmd.email, now)  # before any write: nothing is half done
    if invite is not None:
        repo.set_invite_status(invite.id, InviteStatus.EXPIRED, "expired; replaced by a new invite", now)
        for grant in repo.pending_grants(invite.key, cmd.account):
            repo.close_pending_grant(grant.id, GrantStatus.EXPIRED, "its invite expired", now)
    return new_invite(cmd, repo, now)


def new_invite(cmd, repo: Invites, now: datetime, email: str | None = None) -> tuple[Invite, str]:
    """A new invite of `email` (the command's, by default) to the command's account, by its actor; and its token.

    The caller has checked the invite limits (check_invite_limits) before writing anything."""
    token = new_token()
    invite = Invite(uuid4(), cmd.account, email or cmd.email, cmd.actor, InviteStatus.PENDING, hash_token(token),
                    now, now + repo.invite_ttl)
    repo.add_invite(invite)
    return invite, token

