"""The fast path for a run of membership commands and of new accounts and users: the same handlers,
set-based reads and writes.

Anything it does not expect (a follow-up command, a refusal after a write, an error) is raised, so
the caller rolls the whole chunk back and applies it again one command at a time.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from uuid import UUID

from domain import commands as c
from domain.command_audit import audit_refusal
from domain.errors import Refused, Superseded
from domain.handlers import handle_membership
from domain.invite_limits import InviteLimitReached
from domain.model import ADMIN_GROUP_KEY, SUPPORT, WHOLE_GROUP, email_key, group_key
from domain.states import CommandStatus
from domain.unit_of_work_port import UnitOfWork

_MEMBERSHIP_TYPES = (c.GrantAdmin, c.RevokeAdmin, c.AddMember, c.RemoveMember)
_BULK_TYPES = (*_MEMBERSHIP_TYPES, c.CreateAccount, c.AddUser)


class NotForBulk(Exception):
    """The run needs the one-by-one path."""


def can_bulk(command: c.Command) -> bool:
    # Asked of the model's fields first: a missing attribute costs pydantic an exception per command.
    return isinstance(command, _BULK_TYPES) and ("retry_of" not in type(command).model_fields
                                                 or command.retry_of is None)


def _subject(command: c.Command) -> str:
    return email_key(command.admin_email if isinstance(command, c.CreateAccount) else command.email)


def _group_of(command: c.Command) -> str:
    group = getattr(command, "group", None)
    return ADMIN_GROUP_KEY if group is None else group_key(group)


def apply_run(run: list[c.Command], uow: UnitOfWork, now: datetime) -> tuple[list[str], list[UUID]]:
    """Apply the run inside the unit of work's transaction; each command's status, and the new mails.

    The run was claimed just now, so its commands are taken to be queued; if one is not when the statuses are
    written (a copy of it was applied elsewhere meanwhile), NotForBulk: the one-by-one path checks each."""
    repo = uow.set_based_repository(now)
    memberships = [cmd for cmd in run if isinstance(cmd, _MEMBERSHIP_TYPES)]
    repo.prefetch({cmd.account for cmd in run}, {_subject(cmd) for cmd in run},
                  {email_key(cmd.actor) for cmd in run if cmd.actor != SUPPORT},
                  {(cmd.account, _group_of(cmd), email_key(cmd.email)) for cmd in memberships}
                  | {(cmd.account, _group_of(cmd), WHOLE_GROUP) for cmd in memberships
                     if _group_of(cmd) != ADMIN_GROUP_KEY})
    statuses, results = [], []
    refused_by_limit: Counter[str] = Counter()
    for cmd in run:
        writes = repo.writes
        try:
            outcome = handle_membership(cmd, repo, now)
        except (Refused, Superseded) as refusal:
            if repo.writes != writes:
                raise NotForBulk(f"command {cmd.id} was refused after it wrote") from refusal
            status = CommandStatus.REJECTED if isinstance(refusal, Refused) else CommandStatus.SUPERSEDED
            reason = refusal.said
            if status == CommandStatus.REJECTED:
                audit_refusal(cmd, refusal.reason, repo, now)
            if isinstance(refusal, InviteLimitReached):
                refused_by_limit[refusal.limit] += 1
        else:
            if outcome.follow_ups:
                raise NotForBulk(f"command {cmd.id} asked for follow-up commands")
            status, reason = outcome.status, outcome.message
        results.append({"id": cmd.id, "issued_at": cmd.issued_at, "status": status, "reason": reason,
                        "finished_at": now})
    for result in results:  # a grant held pending, then cancelled or replaced by a later command of the run
        if result["status"] == CommandStatus.PENDING and result["id"] in repo.superseded_commands:
            result.update(status=CommandStatus.SUPERSEDED, reason=repo.superseded_commands[result["id"]])
        statuses.append(result["status"])
    repo.flush()
    if not uow.log.finish_queued(results):
        raise NotForBulk("a command of the run was no longer queued: another worker applied a copy meanwhile")
    uow.figures.count_invite_refusals(refused_by_limit)
    return statuses, repo.new_mail_ids
