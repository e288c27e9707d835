"""Applies one message's batch: each command once, on its own, with its status in the same transaction."""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from functools import partial
from itertools import groupby
from typing import Callable
from uuid import UUID, uuid4

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from domain.command_audit import audit_failure, audit_refusal
from domain.commands import Command, CommandBatch
from domain.errors import Refused, Superseded
from domain.handlers import handle
from domain.invite_limits import InviteLimitReached
from domain.issued_span import IssuedSpan
from domain.said import Said, said
from domain.states import CommandStatus
from domain.unit_of_work_port import Claim, UnitOfWork, UnitOfWorkFactory
from domain.validation import describe
from workers.bulk_apply import NotForBulk, apply_run, can_bulk
from workers.claims import BatchReport, Claimed, claim, identify_each
from workers.failure_kinds import interruption, is_transient

logger = logging.getLogger(__name__)


def apply_message(message: object, uow_factory: UnitOfWorkFactory, *,
                  max_attempts: int, chunk: int, lease: timedelta,
                  mails_committed: Callable[[list[UUID]], None] = lambda ids: None,
                  deliveries_committed: Callable[[list[int]], None] = lambda ids: None,
                  deferred: Callable[[list[dict], float], None] = lambda payloads, countdown: None,
                  queue: str | None = None) -> BatchReport:
    """Parse the message; then, chunk by chunk, claim what is still queued and apply it. After each chunk's commit,
    `mails_committed` gets the ids of the mails it wrote, `deliveries_committed` those of its outcome deliveries."""
    report = BatchReport()
    try:
        batch = CommandBatch.model_validate(message)
    except ValidationError as e:
        _dead_letter(uow_factory, None, said("dead.unreadable_message", detail=describe(e)), message)
        report.count("dead_letter")
        return report
    items = identify_each(batch.commands, uow_factory, report)
    note_taken = partial(_note_taken, size=len(batch.commands), queue=queue, sent_at=batch.sent_at)
    if not items:
        with uow_factory() as uow:
            note_taken(uow)
            uow.commit()
    for start in range(0, len(items), chunk):
        # The first claim's transaction also notes the message taken: one transaction less per message.
        claimed = claim(items[start:start + chunk], uow_factory, max_attempts, lease, report,
                        also=note_taken if start == 0 else None)
        _apply_claimed(claimed, uow_factory, max_attempts, report, mails_committed, deliveries_committed, deferred)
        # Commands a delivery already tried and did not finish: one of them may kill its worker. Each is
        # claimed (its attempt counted) and applied on its own, so only the culprit uses up its attempts.
        for item in claimed.suspects:
            alone = claim([item], uow_factory, max_attempts, lease, report)
            _apply_claimed(alone, uow_factory, max_attempts, report, mails_committed, deliveries_committed,
                           deferred)
    return report


def _apply_claimed(claimed: Claimed, uow_factory: UnitOfWorkFactory, max_attempts: int, report: BatchReport,
                   mails_committed: Callable[[list[UUID]], None], deliveries_committed: Callable[[list[int]], None],
                   deferred: Callable[[list[dict], float], None]) -> None:
    """Send back what must wait; apply the rest in one transaction, set-based where it can.

    A transient error gives the claims back (no attempt spent, no lease left) before Celery retries.
    """
    if claimed.deferred is not None:
        deferred(claimed.deferred.payloads, claimed.deferred.countdown)
    if not claimed.runnable:
        return
    try:
        statuses, mail_ids, delivery_ids = _apply_set_based_else_one_by_one(claimed.runnable, uow_factory,
                                                                            max_attempts)
    except Exception as error:
        stop = interruption(error)
        if stop is not None and stop is not error:
            raise stop from error  # the time limit, hidden behind the rollback error it caused
        if stop is None and is_transient(error):
            _release_quietly(uow_factory, [cmd for cmd, _ in claimed.runnable])
        raise
    for status in statuses:
        report.count(status)
    if mail_ids:
        mails_committed(mail_ids)
    if delivery_ids:
        deliveries_committed(delivery_ids)


def _apply_set_based_else_one_by_one(runnable: list[tuple[Command, Claim]], uow_factory: UnitOfWorkFactory,
                                     max_attempts: int) -> tuple[list[str], list[UUID], list[int]]:
    try:
        return _apply_chunk(runnable, uow_factory, max_attempts, bulk=True)
    except Exception as error:
        if is_transient(error) or interruption(error) is not None:
            raise
        logger.warning("Chunk of %d commands applied one by one after the set-based path failed: %s",
                       len(runnable), type(error).__name__, exc_info=not isinstance(error, NotForBulk))
        return _apply_chunk(runnable, uow_factory, max_attempts, bulk=False)


def _note_taken(uow: UnitOfWork, *, size: int, queue: str | None, sent_at: datetime | None) -> None:
    """For /metrics, the message's size; for the relay, that every message sent well before it has left the queue.
    Last in its transaction: the relay's mark is one row that every worker updates, locked until the commit."""
    uow.figures.record_batch_size(size)
    if queue is not None and sent_at is not None:
        uow.figures.note_message_started(queue, sent_at)


def _release_quietly(uow_factory: UnitOfWorkFactory, commands: list[Command]) -> None:
    """Give the claims back for the retry; if the database is still away, their lease runs out instead."""
    try:
        with uow_factory() as uow:
            uow.log.release([cmd.id for cmd in commands], IssuedSpan.of(cmd.issued_at for cmd in commands))
            uow.commit()
    except Exception as error:
        logger.warning("Could not release %d claims before retrying (%s); their lease will expire",
                       len(commands), type(error).__name__)


def _apply_chunk(runnable: list[tuple[Command, Claim]], uow_factory: UnitOfWorkFactory, max_attempts: int,
                 bulk: bool) -> tuple[list[str], list[UUID], list[int]]:
    """One transaction: runs of membership commands set-based (if `bulk`), the others one by one. The statuses, the
    new mails and the new outcome deliveries."""
    statuses: list[str] = []
    mail_ids: list[UUID] = []
    with uow_factory() as uow:
        # Every account the chunk touches, in number order, before anything else: whatever path each
        # command then takes, two workers take their account locks in the same order and never deadlock.
        uow.repo.lock_accounts({cmd.account for cmd, _ in runnable})
        for run_is_bulk, run in groupby(runnable, key=lambda item: bulk and can_bulk(item[0])):
            run = list(run)
            if run_is_bulk:
                run_statuses, run_mails = apply_run([cmd for cmd, _ in run], uow, uow.clock.now())
                statuses += run_statuses
                mail_ids += run_mails
            else:
                statuses += [_apply_one(cmd, claim, uow, max_attempts) for cmd, claim in run]
        uow.commit()
        return statuses, mail_ids + list(uow.repo.new_mail_ids), list(uow.log.new_delivery_ids)


def _apply_one(cmd: Command, claim: Claim, uow: UnitOfWork, max_attempts: int) -> str:
    try:
        with uow.savepoint():
            status = uow.log.lock_status(cmd.id, cmd.issued_at)
            if status != CommandStatus.QUEUED:
                return f"already_{status}"
            return _decide(cmd, uow, uow.clock.now())
    except Exception as error:
        if is_transient(error) or interruption(error) is not None:
            raise
        error_id = uuid4().hex[:12]
        # The detail goes to the log only (SQL without its parameters); users read a reason and its error id.
        logger.exception("Command %s failed unexpectedly (error id %s)", cmd.id, error_id)
        reason = said("dead.unexpected_error", error=type(error).__name__, error_id=error_id)
        if claim.attempts >= max_attempts:
            reason = said("dead.unexpected_error.last", error=type(error).__name__, error_id=error_id,
                          attempt=claim.attempts, attempts=max_attempts)
            uow.log.dead_letter(cmd.id, reason, cmd.model_dump(mode="json"), uow.clock.now())
            audit_failure(cmd, reason, uow.repo, uow.clock.now())
            return "dead_letter"
        # Left queued: the relay sends it again after its timeout, and the attempt is counted then.
        uow.log.note_error(cmd.id, reason)
        return "error"


def _decide(cmd: Command, uow: UnitOfWork, now: datetime) -> str:
    """Run the handler in a savepoint of its own: a refusal keeps nothing the handler wrote before it.

    A unique-key race (another worker inserted the same user or group meanwhile) is tried once more:
    by then the other transaction has committed, and the handler sees its row and decides on it.
    """
    for last_try in (False, True):
        try:
            with uow.savepoint():
                outcome = handle(cmd, uow.repo, now)
                _finish(uow, cmd, outcome.status, outcome.message, now)
                if outcome.follow_ups:
                    _apply_follow_ups(outcome.follow_ups, uow, now)
                return outcome.status
        except Refused as refusal:
            _finish(uow, cmd, CommandStatus.REJECTED, refusal.said, now)
            audit_refusal(cmd, refusal.reason, uow.repo, now)
            if isinstance(refusal, InviteLimitReached):
                uow.figures.count_invite_refusals(Counter([refusal.limit]))
            return CommandStatus.REJECTED
        except Superseded as superseded:
            _finish(uow, cmd, CommandStatus.SUPERSEDED, superseded.said, now)
            return CommandStatus.SUPERSEDED
        except IntegrityError:
            if last_try:
                raise
            logger.info("Command %s met a unique-key race; trying it once more", cmd.id)
    raise AssertionError("unreachable")


def _apply_follow_ups(commands: list[Command], uow: UnitOfWork, now: datetime) -> None:
    """Commands a handler asked for (retried pending grants): journalled, then applied in this transaction."""
    uow.log.record_submitted(commands, now)
    for follow_up in commands:
        try:
            with uow.savepoint():
                outcome = handle(follow_up, uow.repo, now)
                _finish(uow, follow_up, outcome.status, outcome.message, now)
        except Refused as refusal:
            _finish(uow, follow_up, CommandStatus.REJECTED, refusal.said, now)
            audit_refusal(follow_up, refusal.reason, uow.repo, now)
        except Superseded as superseded:
            _finish(uow, follow_up, CommandStatus.SUPERSEDED, superseded.said, now)


def _finish(uow: UnitOfWork, cmd: Command, status: CommandStatus, reason: Said, now: datetime) -> None:
    uow.log.finish(cmd.id, status, reason, now, cmd.issued_at)
    retried = getattr(cmd, "retry_of", None)
    if retried is None:
        return
    if not uow.log.settle_pending(cmd, status, reason.then(said("grant.retried_as", command=str(cmd.id))), now):
        logger.warning("Command %s names command %s as the pending grant it retries, but that is no pending "
                       "grant of its account and email that the system retried: left as it is", cmd.id, retried)


def _dead_letter(uow_factory: UnitOfWorkFactory, command_id: UUID | None, reason: Said, payload: object) -> None:
    with uow_factory() as uow:
        uow.log.dead_letter(command_id, reason, payload, uow.clock.now())
        uow.commit()
