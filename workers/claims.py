"""Claiming what a message carries: each command once, leased to this worker with an attempt counted, or
dead-lettered, left to the worker that holds it, sent back to wait, or set aside to be tried alone."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable
from uuid import UUID

from pydantic import ValidationError

from domain.command_audit import audit_failure
from domain.commands import Command, parse_command, parse_journalled
from domain.issued_span import IssuedSpan
from domain.said import Said, said
from domain.states import CommandStatus
from domain.unit_of_work_port import Claim, UnitOfWork, UnitOfWorkFactory
from domain.validation import describe

DEFER_FIRST_SECONDS = 0.5  # a job row waiting for an earlier row is sent again after this, then twice as long
DEFER_MAX_SECONDS = 20.0  # each time, up to this (below the relay's 30 s)


@dataclass
class BatchReport:
    """What became of each command of one message."""

    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


@dataclass(frozen=True)
class Deferred:
    """Commands sent back to wait for an earlier row of their job, and when to send them again."""

    payloads: list[dict]
    countdown: float


@dataclass(frozen=True)
class Claimed:
    """What a claim gave: commands to apply now, commands to send again later, suspects to try alone."""

    runnable: list[tuple[Command, Claim]]
    deferred: Deferred | None
    suspects: list[tuple[UUID, dict]]


def identify_each(items: list[dict], uow_factory: UnitOfWorkFactory, report: BatchReport) -> list[tuple[UUID, dict]]:
    """Each item's command id, once. Only the id is read: the command log's copy is what gets applied."""
    identified, bad, seen = [], [], set()
    for item in items:
        command_id = _known_id(item)
        if command_id is None:
            try:
                command_id = parse_command(item, journalled=True).id
            except ValidationError as e:
                bad.append((item, said("dead.invalid_command", detail=describe(e))))
                continue
        if command_id in seen:
            report.count("repeated_in_message")
            continue
        seen.add(command_id)
        identified.append((command_id, item))
    if bad:
        with uow_factory() as uow:
            for item, reason in bad:
                uow.log.dead_letter(None, reason, item, uow.clock.now())
                report.count("dead_letter")
            uow.commit()
    return identified


def claim(items: list[tuple[UUID, dict]], uow_factory: UnitOfWorkFactory, max_attempts: int, lease: timedelta,
          report: BatchReport, also: Callable[[UnitOfWork], None] | None = None) -> Claimed:
    """In its own transaction, so a command that kills its worker is still counted.

    What to apply now, what to send again later, and the suspects: of several commands claimed together,
    those a delivery already tried (it may have been killed by one of them) are given back, to be claimed
    and applied one at a time. A job's row that an earlier row must precede (a grant after the add_user
    of its email, in another message) is sent back to wait, unapplied: its payload and the countdown after
    which to send it again, longer each time it has waited already. `also(uow)` writes more in the same
    transaction, just before it commits.
    """
    with uow_factory() as uow:
        now = uow.clock.now()
        # The span of the message's issue times: the claim reads only the months it covers
        issued = IssuedSpan.of(_issued_at(item) for _, item in items)
        claims = uow.log.claim([command_id for command_id, _ in items], now, lease, issued)
        runnable, suspects = [], []
        for command_id, item in items:
            claim = claims.get(command_id)
            if claim is None:
                uow.log.dead_letter(None, _not_in_log(command_id, item), item, now)
                report.count("dead_letter")
            elif claim.leased:
                report.count("leased")
            elif claim.status != CommandStatus.QUEUED:
                report.count(f"already_{claim.status}")
            elif claim.attempts > max_attempts:
                _give_up(uow, command_id, claim, item, now)
                report.count("dead_letter")
            elif claim.attempts > 1 and len(items) > 1:
                suspects.append((claim.attempts, command_id, item))
            else:  # the log's copy is applied: it was validated in full when journalled
                runnable.append((parse_journalled(claim.payload), claim))
        if suspects:
            uow.log.release([command_id for _, command_id, _ in suspects], issued)
        places = {cmd.id: claim.job for cmd, claim in runnable if claim.job is not None}
        waiting = uow.log.waiting_on_earlier_rows(places) if places else set()
        countdown = None
        if waiting:
            deferrals = max(claim.deferrals for cmd, claim in runnable if cmd.id in waiting)
            countdown = min(DEFER_FIRST_SECONDS * 2 ** deferrals, DEFER_MAX_SECONDS)
            uow.log.defer(list(waiting), now, now + timedelta(seconds=countdown),
                          IssuedSpan.of(cmd.issued_at for cmd, _ in runnable if cmd.id in waiting))
            report.statuses["deferred"] = len(waiting)
        if also is not None:
            also(uow)
        uow.commit()
    # The least tried first: the culprit, tried most, comes last and does not hold back the others.
    # Order does not decide outcomes (last-issued wins by the clocks, job prerequisites are waited for).
    suspects.sort(key=lambda suspect: suspect[0])
    return Claimed([(cmd, claim) for cmd, claim in runnable if cmd.id not in waiting],
                   Deferred([json.loads(claim.payload) for cmd, claim in runnable if cmd.id in waiting], countdown)
                   if waiting else None,
                   [(command_id, item) for _, command_id, item in suspects])


def _give_up(uow: UnitOfWork, command_id: UUID, claim: Claim, item: dict, now: datetime) -> None:
    """Dead-letter a command tried as often as it may be, and audit its failure in its account."""
    reason = said("dead.gave_up", count=claim.attempts - 1)
    uow.log.dead_letter(command_id, reason, item, now)
    try:
        cmd = parse_journalled(claim.payload)
    except ValidationError:  # the log's copy was validated when journalled: only a row written by hand fails
        return
    audit_failure(cmd, reason, uow.repo, now)


def _known_id(item: object) -> UUID | None:
    try:
        return UUID(item.get("id"))  # type: ignore[union-attr]
    except (ValueError, AttributeError, TypeError):
        return None


def _issued_at(item: dict) -> datetime | None:
    """When the item says its command was issued, if it says so in a form the journal could hold."""
    try:
        issued_at = datetime.fromisoformat(item["issued_at"])
    except (KeyError, TypeError, ValueError):
        return None
    return issued_at if issued_at.tzinfo is not None else None


def _not_in_log(command_id: UUID, item: dict) -> Said:
    """Why a command no log row has was not applied: what is wrong with it, if anything."""
    if item.keys() <= {"id", "issued_at"}:
        return said("dead.not_in_log.id_only", command=str(command_id))
    try:
        parse_command(item)
    except ValidationError as e:
        return said("dead.not_in_log.invalid", command=str(command_id), detail=describe(e))
    return said("dead.not_in_log", command=str(command_id))
