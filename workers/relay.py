"""The relay: republishes commands the broker may have lost, so every accepted command is applied."""
from __future__ import annotations

import logging
from datetime import timedelta

from celery import Celery

from domain.clock import utcnow
from messaging.broker import publish_batch
from workers.runtime import Runtime

logger = logging.getLogger(__name__)


def relay_unapplied(app: Celery, runtime: Runtime, max_batches: int = 20) -> int:
    """Publish queued commands not sent (or re-sent) within the timeout; the number re-sent."""
    settings = runtime.settings
    sent = 0
    for _ in range(max_batches):
        now = utcnow()
        cutoff = now - timedelta(seconds=settings.relay_after_seconds)
        with runtime.unit_of_work() as uow:
            payloads = uow.log.take_unapplied(cutoff, settings.publish_batch, now)
            if not payloads:
                return sent
            if not publish_batch(app, settings.queue, payloads):
                return sent  # rolled back: still due next time
            uow.commit()
        sent += len(payloads)
        logger.info("Relay republished %d unapplied commands", len(payloads))
    return sent
