"""Sends the outbox's mails, each once, and sweeps up mails whose task was lost."""
from __future__ import annotations

import logging
import smtplib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Callable
from uuid import UUID

from celery import Celery

from config.settings import Settings
from domain.clock import Clock
from domain.master_keys import MasterKeys
from mail.message import build_message
from mail.transports import SMTP_TIMEOUT_SECONDS, Transport, UndeliverableAddress, transport_for
from messaging.broker import MAIL_PRIORITY, SEND_MAIL, publish_mails
from store.mail_outbox import MailOutbox
from store.unit_of_work import SqlUnitOfWork

RETRY_BACKOFF_MAX_SECONDS = 300
SENT, SKIPPED, FAILED = "sent", "skipped", "failed"

logger = logging.getLogger(__name__)


class MailDeliveryDeferred(Exception):
    """A delivery failed and was counted; the task should try again later."""


def send_one(mail_id: UUID | str, uow_factory: Callable[[], SqlUnitOfWork], settings: Settings,
             transport: Transport | None = None, keys: MasterKeys | None = None) -> str:
    """Send one pending mail: "sent", "skipped" if there is nothing to send, or "failed" for good.

    A body under a master key this worker lacks raises WrongMasterKey and stays pending, its attempts
    untouched: the sweep offers it again, to a worker that holds the key.
    """
    mail_id = UUID(str(mail_id))
    transport = transport or transport_for(settings.effective_mail_url)
    keys = keys or MasterKeys.from_secrets(*settings.master_key_secrets())
    with uow_factory() as uow:
        outbox = MailOutbox(uow.conn)
        # The row stays locked until commit: a copy of this task waits here, then finds the mail sent.
        mail = outbox.begin_sending(mail_id, keys)
        if mail is None:
            logger.info("Mail %s is not pending: nothing to send", mail_id)
            return SKIPPED
        attempts_allowed = settings.mail_max_attempts
        try:
            transport.send(mail_id, build_message(mail_id, mail.to_email, mail.subject, mail.content,
                                                  uow.clock.now()))
        except UndeliverableAddress as error:
            reason, attempts_allowed = f"undeliverable address: {error}", 1
            uow.rollback()
        except (OSError, smtplib.SMTPException) as error:
            reason = f"{type(error).__name__}: {error}"
            uow.rollback()
        else:
            outbox.mark_sent(mail_id, uow.clock.now())
            uow.commit()
            logger.info("Mail %s sent", mail_id)
            return SENT
        # Counted in a transaction of its own, after the send's has let the row go.
        final = outbox.record_failure(mail_id, reason, uow.clock.now(), attempts_allowed)
        uow.commit()
    if final:
        logger.warning("Mail %s failed for good: %s", mail_id, reason)
        return FAILED
    raise MailDeliveryDeferred(f"mail {mail_id} not delivered, will retry: {reason}")


def publish_mail(app: Celery, queue: str, mail_id: UUID) -> bool:
    """Queue the send_mail task of one mail (its id only); False if the broker could not take it."""
    try:
        app.send_task(SEND_MAIL, args=[str(mail_id)], argsrepr=f"<mail {mail_id}>", kwargsrepr="{}",
                      queue=queue, retry=True, priority=MAIL_PRIORITY)
    except Exception as e:  # kombu and the transports raise many kinds; the sweep will try again
        logger.warning("Could not queue mail %s: %s", mail_id, e)
        return False
    return True


# A mail server answers each command of a session in turn: one session waits on it for most of each mail, and
# with one session per worker process a worker sends about 950 mails/s, its processes mostly idle.
SESSIONS_PER_BATCH = 4


def send_batch(mail_ids: list[str], uow_factory: Callable[[], SqlUnitOfWork], settings: Settings,
               retry_later: Callable[[UUID], None], transport: Transport | None = None,
               keys: MasterKeys | None = None) -> dict[str, int]:
    """Send a batch of pending mails in one transaction, over a few transport sessions at once.

    A mail that cannot be delivered now is counted and left to a send_mail task of its own (its
    retries and backoff). If the worker dies mid-batch, or a session cannot be opened while others send, the
    mails sent so far are sent again later: delivery is at least once, and the stable Message-ID lets receivers
    drop the copy.
    """
    keys = keys or MasterKeys.from_secrets(*settings.master_key_secrets())
    ids = [UUID(str(mail_id)) for mail_id in mail_ids]
    sent, failures = [], []  # failures: (mail id, reason, attempts allowed)
    with uow_factory() as uow:
        outbox = MailOutbox(uow.conn)
        mails, unreadable, not_held = outbox.begin_sending_many(ids, keys)
        failures += [(mail_id, "its body failed authentication", settings.mail_max_attempts)
                     for mail_id in unreadable]
        for refusal in not_held:  # a configuration fault of this worker, not of the mail: no attempt counted
            logger.error("%s: left pending for a worker that holds that key", refusal)
        transports = [transport] if transport is not None else [
            transport_for(settings.effective_mail_url) for _ in range(min(SESSIONS_PER_BATCH, len(mails)))]
        with ThreadPoolExecutor(len(transports) or 1) as sessions:
            for session_sent, session_failures in sessions.map(
                    lambda i: _send_over(transports[i], mails[i::len(transports)], settings, uow.clock),
                    range(len(transports))):
                sent += session_sent
                failures += session_failures
        outbox.mark_sent_many(sent, uow.clock.now())
        uow.commit()
    results = {SENT: len(sent), SKIPPED: len(ids) - len(mails) - len(unreadable) - len(not_held)}
    if not_held:
        results["not_held"] = len(not_held)
    for mail_id, reason, attempts_allowed in failures:
        with uow_factory() as uow:
            final = MailOutbox(uow.conn).record_failure(mail_id, reason, uow.clock.now(), attempts_allowed)
            uow.commit()
        if final:
            logger.warning("Mail %s failed for good: %s", mail_id, reason)
        else:
            retry_later(mail_id)
        results[FAILED if final else "deferred"] = results.get(FAILED if final else "deferred", 0) + 1
    return results


def _send_over(transport: Transport, mails: list, settings: Settings,
               clock: Clock) -> tuple[list[UUID], list[tuple]]:
    """Send these mails in one session of the transport, each dated when it is built: the ids sent, and the
    failures."""
    sent, failures = [], []
    with transport.session():
        for mail in mails:
            try:
                transport.send(mail.id, build_message(mail.id, mail.to_email, mail.subject, mail.content,
                                                      clock.now()))
            except UndeliverableAddress as error:
                failures.append((mail.id, f"undeliverable address: {error}", 1))
            except (OSError, smtplib.SMTPException) as error:
                failures.append((mail.id, f"{type(error).__name__}: {error}", settings.mail_max_attempts))
            else:
                sent.append(mail.id)
    return sent, failures


def retry_waits(max_attempts: int) -> list[timedelta]:
    """After n failed attempts, how long the task's own retries may still take: the sweep waits that too."""
    waits, total = [], 0.0
    for tried in range(max_attempts):
        total += min(2 ** tried, RETRY_BACKOFF_MAX_SECONDS) + SMTP_TIMEOUT_SECONDS
        waits.append(timedelta(seconds=total))
    return waits


def sweep_mail_outbox(app: Celery, uow_factory: Callable[[], SqlUnitOfWork], settings: Settings,
                      limit: int = 500) -> int:
    """Queue send_mail again for pending mails older than the relay timeout (by the unit of work's clock); the
    number queued."""
    with uow_factory() as uow:
        cutoff = uow.clock.now() - timedelta(seconds=settings.relay_after_seconds)
        due = MailOutbox(uow.conn).pending_ids(cutoff, limit, retry_waits(settings.mail_max_attempts))
    queued = publish_mails(app, settings.queue, due)
    if queued:
        logger.info("Mail sweep queued %d pending mails again", queued)
    return queued
