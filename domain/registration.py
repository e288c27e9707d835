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
from domain.model import AuditEntry, User, email_key
from domain.ports import AuditTrail, Registrations
from domain.said import said
from domain.states import InviteStatus
from domain.tokens import hash_token

NAMES_REQUIRED = said("registration.names_required")
_CLOSED = {
    InviteStatus.ACCEPTED: said("registration.used"),
    InviteStatus.CANCELLED: said("registration.cancelled"),
    InviteStatus.REPLACED: said("registration.replaced"),
    InviteStatus.EXPIRED: said("registration.expired"),
    InviteStatus.FAILED: said("registration.failed"),
}


@dataclass(frozen=True)
class Registered:
    """Who registered, and the grant commands to submit on their behalf."""

    email: str
    created: bool
    retries: list[c.Command]
    activated: bool = False  # a user created with no password set theirs
    claimed: bool = False  # a user someone else created, unproven till now: its person took it over


def register(token: str, first_name: str, last_name: str, new_password_hash: str, repo: Registrations,
             now: datetime, *, email: str | None = None, source: str = "cli",
             password_matches: Callable[[User], bool] = lambda user: False,
             language: str | None = None) -> Registered:
    """Accept the invite of the token; the caller submits `retries` in the same transaction.

    The token proves the mailbox. A user created with no password (to be activated by mail) sets
    `new_password_hash` as theirs; their names stay those their administrator gave. A user someone else created and
    whose person never proved the mailbox is claimed: `new_password_hash` replaces the password its creator may
    know, the names given replace theirs, and every session of the identity ends. A verified user gives their
    current password (`password_matches`). `language`: the one the person registered in, theirs from now on unless
    they had chosen one.
    """
    invite = repo.invite_by_token(hash_token(token))
    if invite is None:
        raise Refused(said("registration.unknown_token"))
    if invite.status in _CLOSED:
        raise Refused(_CLOSED[invite.status])
    if invite.expires_at <= now:
        raise Refused(said("registration.expired_on", expired_at=f"{invite.expires_at:%Y-%m-%d %H:%M} UTC"))
    if email is not None and email_key(email) != invite.key:
        raise Refused(said("registration.other_email"))
    user = repo.get_user(invite.key)
    activated = user is not None and user.awaits_activation
    claimed = user is not None and not activated and not user.verified
    named = bool(first_name.strip() and last_name.strip())
    if user is None:
        if not named:
            raise Refused(NAMES_REQUIRED)
        repo.add_user(User(invite.email, first_name, last_name, new_password_hash, False, verified=True,
                           language=language))
    elif activated or claimed:
        repo.prove_mailbox(invite.key, new_password_hash, (first_name, last_name) if named and claimed else None,
                           language=None if user.language else language)
    elif not password_matches(user):
        raise Refused(said("registration.user_exists", email=user.email))
    repo.add_account_user(invite.account, invite.key)
    # Ownership of the email is proven for every account that invited it, not only this link's.
    for invite_id in {invite.id} | {g.invite_id for g in repo.pending_grants(invite.key)}:
        repo.set_invite_status(invite_id, InviteStatus.ACCEPTED, "registered", now)
    operation = uuid4()
    who = ev.UserActivated if activated else ev.UserRegistered
    for event in (who(invite.account, invite.email), ev.InviteAccepted(invite.account, invite.email)):
        _audit(repo, now, invite.email, event, operation, source)
    if claimed:  # every account the identity belongs to sees that its earlier holder lost it
        for account in sorted(set(repo.accounts_of(invite.key)) | {invite.account}):
            _audit(repo, now, invite.email, ev.UserClaimed(account, invite.email), operation, source)
    return Registered(invite.email, user is None,
                      retry_pending_grants(invite.key, repo, now, source=source, on_registration=True),
                      activated, claimed)


def _audit(repo: AuditTrail, now: datetime, actor: str, event: ev.Event, operation, source: str) -> None:
    repo.add_audit(AuditEntry(now, actor, event.action, event.target, event.account, operation, source,
                              event.detail))
