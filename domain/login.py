"""Login rate limiting: when a try is allowed, and what a failure or a success leaves behind.

Failures are counted twice: per (email, client address), where `max_failures` locks that pair only, so
nobody can lock an administrator out from elsewhere; and per email over every client, where the much
larger `max_failures_all_clients` locks the email everywhere, a bound on guessing from many addresses.
A locked pair counts no more tries, so one client alone can never reach the all-clients limit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.said import Said, said

# What a sign-in or a password change answers: messages of the rules (domain.said), read in each person's language.
WRONG_EMAIL_OR_PASSWORD = said("login.wrong")
PASSWORD_CHANGE_REQUIRED = said("login.change_required")
LOGIN_OK = said("login.ok")
# The password is right, but every account the person is a user of disabled them there.
SIGN_IN_DISABLED = said("login.disabled")
PASSWORD_CHANGED = said("login.password_changed")
PASSWORD_OK = said("login.password_ok")
ALL_CLIENTS = "*"  # the client of the record that counts an email's failures from every client


def too_many_failures(locked_until: datetime) -> Said:
    """The refusal while an email is locked, saying when to try again."""
    return said("login.locked", until=f"{locked_until:%Y-%m-%d %H:%M:%S} UTC")


def retry_after_seconds(locked_until: datetime, now: datetime) -> int:
    """Whole seconds from `now` until the lock ends, at least 1: the value of a Retry-After header."""
    return max(1, math.ceil((locked_until - now).total_seconds()))


@dataclass(frozen=True)
class FailureRecord:
    """Failed tries of one email since `window_started_at`, and the end of its lock if any."""

    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None


@dataclass(frozen=True)
class LoginResult:
    """Whether a login or a password change succeeded, and a sentence saying so or why not."""

    ok: bool
    reason: str


@dataclass(frozen=True)
class LoginPolicy:
    """`max_failures` failed tries within `window` lock an (email, client) for `lockout`;
    `max_failures_all_clients` failed tries from any clients lock the email for every client."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)
    max_failures_all_clients: int = 100

    def for_all_clients(self) -> "LoginPolicy":
        """The policy of the record that counts the email's failures from every client."""
        return replace(self, max_failures=self.max_failures_all_clients)

    def locked_until(self, record: FailureRecord | None, now: datetime) -> datetime | None:
        """The end of the lock if no try is allowed now, else None."""
        if record is not None and record.locked_until is not None and record.locked_until > now:
            return record.locked_until
        return None

    def after_failure(self, record: FailureRecord | None, now: datetime) -> FailureRecord:
        """The record once a wrong password was tried now."""
        if record is None or self._is_stale(record, now):
            failures, started = 1, now
        else:
            failures, started = record.failures + 1, record.window_started_at
        locked_until = now + self.lockout if failures >= self.max_failures else None
        return FailureRecord(failures, started, locked_until)

    def after_success(self, now: datetime) -> FailureRecord:
        """The record once the right password was given: no failures left."""
        return FailureRecord(0, now, None)

    def is_forgettable(self, record: FailureRecord, now: datetime) -> bool:
        """Nothing left to remember: no lock running, and no failure inside the window."""
        lock_running = record.locked_until is not None and record.locked_until > now
        return not lock_running and (record.failures == 0 or now >= record.window_started_at + self.window)

    def _is_stale(self, record: FailureRecord, now: datetime) -> bool:
        # An expired lock starts a new count: otherwise one more miss would lock again at once.
        lock_over = record.locked_until is not None and record.locked_until <= now
        return record.failures == 0 or lock_over or now >= record.window_started_at + self.window
