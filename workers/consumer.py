"""A Celery consumer that keeps, as dead letters, broker messages no task could even receive."""
from __future__ import annotations

import logging

from celery.worker.consumer import Consumer

logger = logging.getLogger(__name__)
MAX_KEPT_BYTES = 10_000


class DeadLetteringConsumer(Consumer):
    """Celery drops undecodable, unknown and malformed messages; this also records them."""

    def on_decode_error(self, message, exc):
        self._keep(f"undecodable message ({message.content_type}): {exc}", message.body)
        super().on_decode_error(message, exc)

    def on_unknown_message(self, body, message):
        self._keep("message of unknown format (not a Celery task)", message.body)
        super().on_unknown_message(body, message)

    def on_unknown_task(self, body, message, exc):
        self._keep(f"unknown task: {exc}", message.body)
        super().on_unknown_task(body, message, exc)

    def on_invalid_task(self, body, message, exc):
        self._keep(f"invalid task message: {exc}", message.body)
        super().on_invalid_task(body, message, exc)

    def _keep(self, reason: str, raw: bytes | str) -> None:
        text = raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else str(raw)
        try:
            with self.app.envadmin_runtime.unit_of_work() as uow:
                uow.log.dead_letter(None, reason, text[:MAX_KEPT_BYTES], uow.clock.now())
                uow.commit()
        except Exception:  # the consumer must go on whatever the store says
            logger.exception("Could not record a dead letter: %s", reason)
