"""The relay: republishes the commands the broker lost, so every accepted command is applied.

A command is lost when it is still queued, no worker holds it, and the message that carried it should have
been taken from the queue by now. Messages leave the queue in the order they were sent, so a message sent
well before the newest one a worker has started has been taken: a command it carried that is still queued and
unclaimed was lost with it. When the queue is empty, every queued command last sent more than
ENVADMIN_RELAY_AFTER_SECONDS ago is lost. A long queue of commands waiting their turn is left alone.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import Celery

from messaging.broker import publish_batch, queue_depth
from store import relay_marks
from workers.runtime import Runtime

logger = logging.getLogger(__name__)


def relay_unapplied(app: Celery, runtime: Runtime, max_batches: int = 20) -> int:
    """Publish the queued commands the broker lost; the number re-sent."""
    settings = runtime.settings
    waiting = queue_depth(app, settings.queue)
    if waiting is None:
        return 0  # the broker is away: a publish would fail too
    sent = 0
    for _ in range(max_batches):
        now = runtime.clock.now()
        with runtime.unit_of_work() as uow:
            cutoff = lost_before(now, timedelta(seconds=settings.relay_after_seconds), waiting,
                                 relay_marks.started_sent_at(uow.conn, settings.queue))
            if cutoff is None:
                return sent
            payloads = uow.log.take_unapplied(cutoff, settings.publish_batch, now)
            if not payloads:
                return sent
            if not publish_batch(app, settings.queue, payloads, clock=runtime.clock):
                return sent  # rolled back: still due next time
            relay_marks.count_republished(uow.conn, settings.queue, len(payloads))
            uow.commit()
        sent += len(payloads)
        logger.info("Relay republished %d lost commands", len(payloads))
    return sent


def lost_before(now: datetime, grace: timedelta, waiting: int, newest_started: datetime | None) -> datetime | None:
    """The send time before which a queued, unclaimed command was lost; None if none can be known lost."""
    if waiting == 0:
        return now - grace
    if newest_started is None:
        return None  # messages wait and no worker has started one yet: nothing is known lost
    return min(now, newest_started) - grace
