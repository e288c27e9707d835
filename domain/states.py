"""The states a command, an invite, a pending grant and an onboarding job go through.

Each value is the text the store keeps in its status (or state) column; a member compares equal to that text, so a
value read back from the store as a plain string meets the member it was written from.
"""
from __future__ import annotations

from enum import StrEnum


class CommandStatus(StrEnum):
    """A command's status in the command log."""

    QUEUED = "queued"  # journalled, not yet applied (a worker may hold a lease on it)
    APPLIED = "applied"
    PENDING = "pending"  # a grant to an email with no user yet: it waits for registration (its invite)
    REJECTED = "rejected"  # refused by the rules: the reason says why
    SUPERSEDED = "superseded"  # a command issued later decided the same thing
    FAILED = "failed"  # could not be applied (dead-lettered), or its invite mail could not be delivered
    EXPIRED = "expired"  # a pending grant whose invite expired before registration


class InviteStatus(StrEnum):
    """An invite's status: pending until its email registers, or it is closed."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REPLACED = "replaced"  # by a resent invite: its link no longer works, its grants wait on the new one
    FAILED = "failed"  # its mail could not be delivered


class GrantStatus(StrEnum):
    """A pending grant's status: pending until its email registers, or it is closed."""

    PENDING = "pending"
    RETRIED = "retried"  # the email registered (or its user was added): the system turned it into a new command
    REPLACED = "replaced"  # by a later grant of the same person and group
    CANCELLED = "cancelled"  # its invite was cancelled, or a revoke came before registration
    EXPIRED = "expired"  # its invite expired
    FAILED = "failed"  # its invite mail could not be delivered


class JobState(StrEnum):
    """An onboarding job's state, as its producer leaves it."""

    SUBMITTING = "submitting"  # rows still being read and journalled
    SUBMITTED = "submitted"  # every row journalled
    FAILED = "failed"  # the producer stopped on an error (see the job's failure)
