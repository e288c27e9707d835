"""Applies one message's batch: each command once, on its own, with its status in the same transaction."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Callable
from uuid import UUID

from pydantic import ValidationError

from domain.clock import utcnow
from domain.commands import Command, CommandBatch, parse_command
from domain.errors import Refused, Superseded
from domain.handlers import handle
from domain.validation import describe
from store.command_log import LEASED, QUEUED, REJECTED, SUPERSEDED, Claim
from store.unit_of_work import SqlUnitOfWork
from workers.bulk_apply import NotForBulk, apply_run, can_bulk
from workers.errors import is_transient

logger = logging.getLogger(__name__)


@dataclass
class BatchReport:
    """What became of each command of one message."""

    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


def apply_message(message: object, uow_factory: Callable[[], SqlUnitOfWork], *,
                  max_attempts: int, chunk: int, lease: timedelta,
                  mails_committed: Callable[[list[UUID]], None] = lambda ids: None,
                  deferred: Callable[[list[dict]], None] = lambda payloads: None) -> BatchReport:
    """Parse the message; then, chunk by chunk, claim what is still queued and apply it."""
    report = BatchReport()
    try:
        batch = CommandBatch.model_validate(message)
    except ValidationError as e:
        _dead_letter(uow_factory, None, f"unreadable message: {describe(e)}", message)
        report.count("dead_letter")
        return report
    items = _identify_each(batch.commands, uow_factory, report)
    for start in range(0, len(items), chunk):
        runnable, waiting = _claim(items[start:start + chunk], uow_factory, max_attempts, lease, report)
        if waiting:
            deferred(waiting)
        if not runnable:
            continue
        try:
            statuses, mail_ids = _apply_chunk(runnable, uow_factory, max_attempts, bulk=True)
        except Exception as error:
            if is_transient(error):
                raise
            logger.warning("Chunk of %d commands applied one by one after the set-based path failed: %s",
                           len(runnable), error, exc_info=not isinstance(error, NotForBulk))
            statuses, mail_ids = _apply_chunk(runnable, uow_factory, max_attempts, bulk=False)
        for status in statuses:
            report.count(status)
        if mail_ids:
            mails_committed(mail_ids)
    return report


def _apply_chunk(runnable: list[tuple[Command, Claim]], uow_factory, max_attempts: int,
                 bulk: bool) -> tuple[list[str], list[UUID]]:
    """One transaction: runs of membership commands set-based (if `bulk`), the others one by one."""
    statuses: list[str] = []
    mail_ids: list[UUID] = []
    with uow_factory() as uow:
        for run_is_bulk, run in groupby(runnable, key=lambda item: bulk and can_bulk(item[0])):
            run = list(run)
            if run_is_bulk:
                run_statuses, run_mails = apply_run([cmd for cmd, _ in run], uow, utcnow())
                statuses += run_statuses
                mail_ids += run_mails
            else:
                statuses += [_apply_one(cmd, claim, uow, max_attempts) for cmd, claim in run]
        uow.commit()
        return statuses, mail_ids + list(uow.repo.new_mail_ids)


def _identify_each(items: list[dict], uow_factory, report: BatchReport) -> list[tuple[UUID, dict]]:
    """Each item's command id, once. Only the id is read: the command log's copy is what gets applied."""
    identified, bad, seen = [], [], set()
    for item in items:
        command_id = _known_id(item)
        if command_id is None:
            try:
                command_id = parse_command(item, journalled=True).id
            except ValidationError as e:
                bad.append((item, f"invalid command: {describe(e)}"))
                continue
        if command_id in seen:
            report.count("repeated_in_message")
            continue
        seen.add(command_id)
        identified.append((command_id, item))
    if bad:
        with uow_factory() as uow:
            for item, reason in bad:
                uow.log.dead_letter(None, reason, item, utcnow())
                report.count("dead_letter")
            uow.commit()
    return identified


def _claim(items: list[tuple[UUID, dict]], uow_factory, max_attempts: int, lease: timedelta,
           report: BatchReport) -> tuple[list[tuple[Command, Claim]], list[dict]]:
    """In its own transaction, so a command that kills its worker is still counted.

    A job's row that an earlier row must precede (a grant after the add_user of its email, in
    another message) is released again, unapplied, and returned to be sent again a little later.
    """
    with uow_factory() as uow:
        claims = uow.log.claim([command_id for command_id, _ in items], utcnow(), lease)
        runnable = []
        for command_id, item in items:
            claim = claims.get(command_id)
            if claim is None:
                uow.log.dead_letter(None, _not_in_log(command_id, item), item, utcnow())
                report.count("dead_letter")
            elif claim.status != QUEUED:
                report.count(claim.status if claim.status == LEASED else f"already_{claim.status}")
            elif claim.attempts > max_attempts:
                uow.log.dead_letter(command_id, f"gave up after {claim.attempts - 1} attempts", item, utcnow())
                report.count("dead_letter")
            else:  # the log's copy is applied: it was validated in full when journalled
                runnable.append((parse_command(claim.payload, journalled=True), claim))
        places = {cmd.id: claim.job for cmd, claim in runnable if claim.job is not None}
        waiting = uow.log.waiting_on_earlier_rows(places) if places else set()
        if waiting:
            uow.log.release(list(waiting))
            report.statuses["deferred"] = len(waiting)
        uow.commit()
    return ([(cmd, claim) for cmd, claim in runnable if cmd.id not in waiting],
            [claim.payload for cmd, claim in runnable if cmd.id in waiting])


def _apply_one(cmd: Command, claim: Claim, uow: SqlUnitOfWork, max_attempts: int) -> str:
    try:
        with uow.savepoint():
            status = uow.log.lock_status(cmd.id)
            if status != QUEUED:
                return f"already_{status}"
            now = utcnow()
            try:
                outcome = handle(cmd, uow.repo, now)
                _finish(uow, cmd, outcome.status, outcome.message, now)
                if outcome.follow_ups:
                    _apply_follow_ups(outcome.follow_ups, uow, now)
                return outcome.status
            except Refused as refusal:
                _finish(uow, cmd, REJECTED, refusal.reason, now)
                return REJECTED
            except Superseded as superseded:
                _finish(uow, cmd, SUPERSEDED, superseded.reason, now)
                return SUPERSEDED
    except Exception as error:
        if is_transient(error):
            raise
        logger.exception("Command %s failed unexpectedly", cmd.id)
        reason = f"unexpected error: {type(error).__name__}: {error}"
        if claim.attempts >= max_attempts:
            uow.log.dead_letter(cmd.id, f"{reason} (attempt {claim.attempts} of {max_attempts})",
                                cmd.model_dump(mode="json"), utcnow())
            return "dead_letter"
        # Left queued: the relay sends it again after its timeout, and the attempt is counted then.
        uow.log.note_error(cmd.id, reason)
        return "error"


def _apply_follow_ups(commands: list[Command], uow: SqlUnitOfWork, now: datetime) -> None:
    """Commands a handler asked for (retried pending grants): journalled, then applied in this transaction."""
    uow.log.record_submitted(commands, now)
    for follow_up in commands:
        try:
            with uow.savepoint():
                outcome = handle(follow_up, uow.repo, now)
                _finish(uow, follow_up, outcome.status, outcome.message, now)
        except Refused as refusal:
            _finish(uow, follow_up, REJECTED, refusal.reason, now)
        except Superseded as superseded:
            _finish(uow, follow_up, SUPERSEDED, superseded.reason, now)


def _finish(uow: SqlUnitOfWork, cmd: Command, status: str, reason: str, now: datetime) -> None:
    uow.log.finish(cmd.id, status, reason, now)
    retried = getattr(cmd, "retry_of", None)
    if retried is None:
        return
    if not uow.log.settle_pending(cmd, status, f"{reason} (retried as command {cmd.id})", now):
        logger.warning("Command %s names command %s as the pending grant it retries, but that is no pending "
                       "grant of its account and email that the system retried: left as it is", cmd.id, retried)


def _known_id(item: object) -> UUID | None:
    try:
        return UUID(item.get("id"))  # type: ignore[union-attr]
    except (ValueError, AttributeError, TypeError):
        return None


def _not_in_log(command_id: UUID, item: dict) -> str:
    """Why a command no log row has was not applied: what is wrong with it, if anything."""
    try:
        parse_command(item)
    except ValidationError as e:
        return f"command {command_id} is not in the command log, and is invalid: {describe(e)}"
    return f"command {command_id} is not in the command log"


def _dead_letter(uow_factory, command_id, reason: str, payload: object) -> None:
    with uow_factory() as uow:
        uow.log.dead_letter(command_id, reason, payload, utcnow())
        uow.commit()
