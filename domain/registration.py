"""Registration with an invite's token: proves the email, creates (or confirms, or activates) the user, retries
its grants."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable
from uuid import uuid4

from domain import commands as c
from domain import events as ev
from domain.errors import Refused
from domain.handlers import retry_pending_grants
from domain.model import (
    INVITE_ACCEPTED,
    INVITE_CANCELLED,
    INVITE_EXPIRED,
    INVITE_FAILED,
    INVITE_REPLACED,
    AuditEntry,
    User,
    email_key,
)
from domain.ports import Repository
from domain.tokens import hash_token

NAMES_REQUIRED = "a first and a last name are required to register"
_CLOSED = {
    INVITE_ACCEPTED: "this registration link was already used",
    INVITE_CANCELLED: "this invite was cancelled",
    INVITE_REPLACED: "this invite was replaced by a newer invite: use the link in the latest mail",
    INVITE_EXPIRED: "this invite has expired",
    INVITE_FAILED: "this invite could not be delivered and was closed",
}


@dataclass(frozen=True)
class Registered:
    """Who registered, and the grant commands to submit on their behalf."""

    email: str
    created: bool
    retries: list[c.Command]
    activated: bool = False  # a user created with no password set theirs


def register(token: str, first_name: str, last_name: str, new_password_hash: str, repo: Repository,
             now: datetime, *, email: str | None = None, source: str = "cli",
             password_matches: Callable[[User], bool] = lambda user: False) -> Registered:
    """Accept the invite of the token; the caller submits `retries` in the same transaction.

    A user created with no password (to be activated by mail) sets `new_password_hash` as theirs; their names
    stay those their administrator gave, whatever `first_name` and `last_name` say.
    """
    invite = repo.invite_by_token(hash_token(token))
    if invite is None:
        raise Refused("unknown registration token")
    if invite.status in _CLOSED:
        raise Refused(_CLOSED[invite.status])
    if invite.expires_at <= now:
        raise Refused(f"this invite expired on {invite.expires_at:%Y-%m-%d %H:%M} UTC")
    if email is not None and email_key(email) != invite.key:
        raise Refused("this registration link was sent to another email")
    user = repo.get_user(invite.key)
    activated = user is not None and user.awaits_activation
    if user is None:
        if not (first_name.strip() and last_name.strip()):
            raise Refused(NAMES_REQUIRED)
        repo.add_user(User(invite.email, first_name, last_name, new_password_hash, False))
    elif activated:
        repo.set_password(invite.key, new_password_hash)
    elif not password_matches(user):
        raise Refused(f"a user {user.email} already exists: give its current password to accept the invite")
    # Ownership of the email is proven for every account that invited it, not only this link's.
    for invite_id in {invite.id} | {g.invite_id for g in repo.pending_grants(invite.key)}:
        repo.set_invite_status(invite_id, INVITE_ACCEPTED, "registered", now)
    operation = uuid4()
    who = ev.UserActivated if activated else ev.UserRegistered
    for event in (who(invite.account, invite.email), ev.InviteAccepted(invite.account, invite.email)):
        repo.add_audit(AuditEntry(now, invite.email, event.action, event.target, event.account, operation,
                                  source, event.detail))
    return Registered(invite.email, user is None, retry_pending_grants(invite.key, repo, now, source=source),
                      activated)
