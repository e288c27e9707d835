"""How many invite and activation mails an account may send: per hour in all, and per day to one person.

Counted from the invites themselves (each mail is a new invite, a resend too), so every worker and every path
sees the same count; the account's lock serializes the commands that add to it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from domain.errors import Refused
from domain.model import email_key
from domain.said import Said, said

if TYPE_CHECKING:
    from domain.ports import InviteCounts

ACCOUNT_WINDOW = timedelta(hours=1)
RECIPIENT_WINDOW = timedelta(days=1)
ACCOUNT_LIMIT = "account"  # the names /metrics counts refusals under
RECIPIENT_LIMIT = "recipient"


@dataclass(frozen=True)
class InviteLimits:
    """0 means no limit."""

    per_account_per_hour: int = 0
    per_recipient_per_day: int = 0


class InviteLimitReached(Refused):
    """An invite or activation mail refused because its account already sent as many as a limit allows."""

    def __init__(self, reason: Said, limit: str):
        super().__init__(reason)
        self.limit = limit


def check_invite_limits(repo: InviteCounts, account: str, email: str, now: datetime) -> None:
    """Refuse a new invite of the email to the account if either limit is reached, saying until when."""
    limits = repo.invite_limits
    if limits.per_recipient_per_day:
        nth = repo.nth_newest_invite(account, limits.per_recipient_per_day, now - RECIPIENT_WINDOW,
                                     email_key(email))
        if nth is not None:
            raise InviteLimitReached(
                said("invite.limit.recipient", account=account, limit=limits.per_recipient_per_day, email=email,
                     retry_at=_retry_at(nth + RECIPIENT_WINDOW)), RECIPIENT_LIMIT)
    if limits.per_account_per_hour:
        nth = repo.nth_newest_invite(account, limits.per_account_per_hour, now - ACCOUNT_WINDOW)
        if nth is not None:
            raise InviteLimitReached(
                said("invite.limit.account", account=account, limit=limits.per_account_per_hour,
                     retry_at=_retry_at(nth + ACCOUNT_WINDOW)), ACCOUNT_LIMIT)


def _retry_at(moment: datetime) -> str:
    """The minute after which the limit has room again, rounded up: "2026-12-06 23:41 UTC"."""
    minute = datetime.fromtimestamp(math.ceil(moment.timestamp() / 60) * 60, moment.tzinfo)
    return f"{minute:%Y-%m-%d %H:%M} UTC"
