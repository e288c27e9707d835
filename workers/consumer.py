"""A Celery consumer that keeps, as dead letters, broker messages no task could even receive."""
from __future__ import annotations

import logging

from celery.worker.consumer import Consumer

from domain.said import Said, said

logger = logging.getLogger(__name__)
MAX_KEPT_BYTES = 10_000


class DeadLetteringConsumer(Consumer):
    """Celery drops undecodable, unknown and malformed messages; this also records them."""

    def on_decode_error(self, message, exc):
        self._keep(said("dead.undecodable", content_type=str(message.content_type), error=str(exc)), message.body)
        super().on_decode_error(message, exc)

    def on_unknown_message(self, body, message):
        self._keep(said("dead.unknown_format"), message.body)
        super().on_unknown_message(body, message)

    def on_unknown_task(self, body, message, exc):
        self._keep(said("dead.unknown_task", error=str(exc)), message.body)
        super().on_unknown_task(body, message, exc)

    def on_invalid_task(self, body, message, exc):
        self._keep(said("dead.invalid_task", error=str(exc)), message.body)
        super().on_invalid_task(body, message, exc)

    def _keep(self, reason: Said, raw: bytes | str) -> None:
        text = raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else str(raw)
        try:
            with self.app.envadmin_runtime.unit_of_work() as uow:
                uow.log.dead_letter(None, reason, text[:MAX_KEPT_BYTES], uow.clock.now())
                uow.commit()
        except Exception:  # the consumer must go on whatever the store says
            logger.exception("Could not record a dead letter: %s", reason)
