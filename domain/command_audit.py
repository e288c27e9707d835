"""How applying a command is kept in the audit trail: each event it caused, its refusal, its failure for good.

A refusal or a failure is one entry (command.refused, command.failed) by whoever sent the command, on what it was
about, its detail saying what the command asked, in words (ASKED), and why it did not go through.

A pending grant retried when its invitee registers (or when an administrator adds them as a user) is the system's
doing, not its inviter's: its entries name the system as the actor ("envadmin"), "registration" as the source when a
registration retried it, and keep in the detail who asked for the grant and through which command. The retry's
correlation id says which occasion retried it (retry_correlation).
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain import commands as c
from domain import events as ev
from domain.model import SYSTEM_ACTOR, AuditEntry
from domain.ports import AuditTrail
from domain.said import as_message, said

RETRIED_ON_REGISTRATION = "registration, retry of "
RETRIED_ON_USER_ADDED = "user added, retry of "
REGISTRATION_SOURCE = "registration"  # the audit's source of what the system did on a registration

# What a command of each type asks, as a refusal's or a failure's detail words it: "grant administrator: ...".
ASKED = {kind: said(f"asked.{kind}") for kind in c.COMMAND_TYPES}


def retry_correlation(pending_command: UUID, on_registration: bool) -> str:
    """The correlation id of the retry of a pending grant's command: the occasion, then that command's id."""
    return f"{RETRIED_ON_REGISTRATION if on_registration else RETRIED_ON_USER_ADDED}{pending_command}"


def audit_entry(cmd: c.Command, event: ev.Event, now: datetime) -> AuditEntry:
    """The audit entry of an event of the command (a retried grant's: the system's, its inviter in the detail)."""
    retried = getattr(cmd, "retry_of", None)
    if retried is None:
        return AuditEntry(now, cmd.actor, event.action, event.target, event.account, cmd.id, cmd.source,
                          event.detail)
    on_registration = cmd.correlation_id.startswith(RETRIED_ON_REGISTRATION)
    asked = said("audit.retried.registration" if on_registration else "audit.retried.user_added",
                 actor=cmd.actor, command=str(retried), email=cmd.email)
    return AuditEntry(now, SYSTEM_ACTOR, event.action, event.target, event.account, cmd.id,
                      REGISTRATION_SOURCE if on_registration else cmd.source,
                      said("audit.with_retry", detail=as_message(event.detail), retry=asked) if event.detail else asked)


def audit_refusal(cmd: c.Command, reason: str, repo: AuditTrail, now: datetime) -> None:
    """Keep a refused command in the trail: who tried what, on whom or what, and why the rules refused it."""
    repo.add_audit(audit_entry(cmd, ev.CommandRefused(cmd.account, audit_target(cmd), asked=ASKED[cmd.type],
                                                      reason=reason), now))


def audit_failure(cmd: c.Command, reason: str, repo: AuditTrail, now: datetime) -> None:
    """Keep a command that failed for good (dead-lettered) in the trail, with why."""
    repo.add_audit(audit_entry(cmd, ev.CommandFailed(cmd.account, audit_target(cmd), asked=ASKED[cmd.type],
                                                     reason=reason), now))


def audit_target(cmd: c.Command) -> str:
    """What a command is about, as its audit entries name it: the email, else the group, else the account (an
    account's creation is about the account, as its account.created entry is)."""
    return getattr(cmd, "email", None) or getattr(cmd, "group", None) or cmd.account
