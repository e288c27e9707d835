"""Applies one message's batch: each command once, on its own, with its status in the same transaction."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Callable
from uuid import UUID, uuid4

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from domain.clock import utcnow
from domain.commands import Command, CommandBatch, parse_command
from domain.errors import Refused, Superseded
from domain.handlers import handle
from domain.validation import describe
from store import relay_marks
from store.command_log import LEASED, QUEUED, REJECTED, SUPERSEDED, Claim
from store.unit_of_work import SqlUnitOfWork
from workers.bulk_apply import NotForBulk, apply_run, can_bulk
from workers.errors import NEVER_SWALLOWED, interruption, is_transient

logger = logging.getLogger(__name__)
DEFER_FIRST_SECONDS = 0.5  # a job row waiting for an earlier row is sent again after this, then twice as long
DEFER_MAX_SECONDS = 20.0  # each time, up to this (below the relay's 30 s)


@dataclass
class BatchReport:
    """What became of each command of one message."""

    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


def apply_message(message: object, uow_factory: Callable[[], SqlUnitOfWork], *,
                  max_attempts: int, chunk: int, lease: timedelta,
                  mails_committed: Callable[[list[UUID]], None] = lambda ids: None,
                  deferred: Callable[[list[dict], float], None] = lambda payloads, countdown: None,
                  queue: str | None = None) -> BatchReport:
    """Parse the message; then, chunk by chunk, claim what is still queued and apply it."""
    report = BatchReport()
    try:
        batch = CommandBatch.model_validate(message)
    except ValidationError as e:
        _dead_letter(uow_factory, None, f"unreadable message: {describe(e)}", message)
        report.count("dead_letter")
        return report
    items = _identify_each(batch.commands, uow_factory, report)
    if queue is not None and batch.sent_at is not None:
        _note_started(uow_factory, queue, batch.sent_at)
    for start in range(0, len(items), chunk):
        runnable, waiting, suspects = _claim(items[start:start + chunk], uow_factory, max_attempts, lease, report)
        if waiting:
            deferred(*waiting)
        _apply_claimed(runnable, uow_factory, max_attempts, report, mails_committed)
        # Commands a delivery already tried and did not finish: one of them may kill its worker. Each is
        # claimed (its attempt counted) and applied on its own, so only the culprit uses up its attempts.
        for item in suspects:
            alone, waiting, _ = _claim([item], uow_factory, max_attempts, lease, report)
            if waiting:
                deferred(*waiting)
            _apply_claimed(alone, uow_factory, max_attempts, report, mails_committed)
    return report


def _apply_claimed(runnable: list[tuple[Command, Claim]], uow_factory, max_attempts: int, report: BatchReport,
                   mails_committed: Callable[[list[UUID]], None]) -> None:
    """Apply claimed commands in one transaction (set-based where it can), else one at a time.

    A transient error gives the claims back (no attempt spent, no lease left) before Celery retries.
    """
    if not runnable:
        return
    try:
        try:
            statuses, mail_ids = _apply_chunk(runnable, uow_factory, max_attempts, bulk=True)
        except NEVER_SWALLOWED:
            raise
        except Exception as error:
            if is_transient(error) or interruption(error) is not None:
                raise
            logger.warning("Chunk of %d commands applied one by one after the set-based path failed: %s",
                           len(runnable), type(error).__name__, exc_info=not isinstance(error, NotForBulk))
            statuses, mail_ids = _apply_chunk(runnable, uow_factory, max_attempts, bulk=False)
    except NEVER_SWALLOWED:
        raise
    except Exception as error:
        stop = interruption(error)
        if stop is not None:
            raise stop from error
        if is_transient(error):
            _release_quietly(uow_factory, [cmd.id for cmd, _ in runnable])
        raise
    for status in statuses:
        report.count(status)
    if mail_ids:
        mails_committed(mail_ids)


def _note_started(uow_factory, queue: str, sent_at: datetime) -> None:
    """For the relay: every message sent well before this one has left the queue."""
    with uow_factory() as uow:
        relay_marks.note_started(uow.conn, queue, sent_at)
        uow.commit()


def _release_quietly(uow_factory, ids: list[UUID]) -> None:
    """Give the claims back for the retry; if the database is still away, their lease runs out instead."""
    try:
        with uow_factory() as uow:
            uow.log.release(ids)
            uow.commit()
    except Exception as error:
        logger.warning("Could not release %d claims before retrying (%s); their lease will expire",
                       len(ids), type(error).__name__)


def _apply_chunk(runnable: list[tuple[Command, Claim]], uow_factory, max_attempts: int,
                 bulk: bool) -> tuple[list[str], list[UUID]]:
    """One transaction: runs of membership commands set-based (if `bulk`), the others one by one."""
    statuses: list[str] = []
    mail_ids: list[UUID] = []
    with uow_factory() as uow:
        # Every account the chunk touches, in number order, before anything else: whatever path each
        # command then takes, two workers take their account locks in the same order and never deadlock.
        uow.repo.lock_accounts({cmd.account for cmd, _ in runnable})
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
           report: BatchReport) -> tuple[list[tuple[Command, Claim]], tuple | None, list[tuple[UUID, dict]]]:
    """In its own transaction, so a command that kills its worker is still counted.

    What to apply now, what to send again later, and the suspects: of several commands claimed together,
    those a delivery already tried (it may have been killed by one of them) are given back, to be claimed
    and applied one at a time. A job's row that an earlier row must precede (a grant after the add_user
    of its email, in another message) is sent back to wait, unapplied: its payload and the countdown after
    which to send it again, longer each time it has waited already.
    """
    with uow_factory() as uow:
        claims = uow.log.claim([command_id for command_id, _ in items], utcnow(), lease)
        runnable, suspects = [], []
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
            elif claim.attempts > 1 and len(items) > 1:
                suspects.append((claim.attempts, command_id, item))
            else:  # the log's copy is applied: it was validated in full when journalled
                runnable.append((parse_command(claim.payload, journalled=True), claim))
        if suspects:
            uow.log.release([command_id for _, command_id, _ in suspects])
        places = {cmd.id: claim.job for cmd, claim in runnable if claim.job is not None}
        waiting = uow.log.waiting_on_earlier_rows(places) if places else set()
        countdown = None
        if waiting:
            deferrals = max(claim.deferrals for cmd, claim in runnable if cmd.id in waiting)
            countdown = min(DEFER_FIRST_SECONDS * 2 ** deferrals, DEFER_MAX_SECONDS)
            now = utcnow()
            uow.log.defer(list(waiting), now, now + timedelta(seconds=countdown))
            report.statuses["deferred"] = len(waiting)
        uow.commit()
    # The least tried first: the culprit, tried most, comes last and no longer holds back the others.
    # Order does not decide outcomes (last-issued wins by the clocks, job prerequisites are waited for).
    suspects.sort(key=lambda suspect: suspect[0])
    return ([(cmd, claim) for cmd, claim in runnable if cmd.id not in waiting],
            ([claim.payload for cmd, claim in runnable if cmd.id in waiting], countdown) if waiting else None,
            [(command_id, item) for _, command_id, item in suspects])


def _apply_one(cmd: Command, claim: Claim, uow: SqlUnitOfWork, max_attempts: int) -> str:
    try:
        with uow.savepoint():
            status = uow.log.lock_status(cmd.id)
            if status != QUEUED:
                return f"already_{status}"
            return _decide(cmd, uow, utcnow())
    except NEVER_SWALLOWED:
        raise
    except Exception as error:
        if is_transient(error) or interruption(error) is not None:
            raise
        error_id = uuid4().hex[:12]
        # The detail goes to the log only (SQL without its parameters); users read a reason and its error id.
        logger.exception("Command %s failed unexpectedly (error id %s)", cmd.id, error_id)
        reason = f"unexpected error {type(error).__name__} (error id {error_id}; details in the worker log)"
        if claim.attempts >= max_attempts:
            uow.log.dead_letter(cmd.id, f"{reason} (attempt {claim.attempts} of {max_attempts})",
                                cmd.model_dump(mode="json"), utcnow())
            return "dead_letter"
        # Left queued: the relay sends it again after its timeout, and the attempt is counted then.
        uow.log.note_error(cmd.id, reason)
        return "error"


def _decide(cmd: Command, uow: SqlUnitOfWork, now: datetime) -> str:
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
            _finish(uow, cmd, REJECTED, refusal.reason, now)
            return REJECTED
        except Superseded as superseded:
            _finish(uow, cmd, SUPERSEDED, superseded.reason, now)
            return SUPERSEDED
        except IntegrityError:
            if last_try:
                raise
            logger.info("Command %s met a unique-key race; trying it once more", cmd.id)
    raise AssertionError("unreachable")


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
