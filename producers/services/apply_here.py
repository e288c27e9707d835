"""Commands applied by the process that submits them, for a producer that answers only once they are applied (a
SCIM write answers with the resource as it stands).

They are journalled as every producer's are, then claimed and applied here through the workers' own path
(workers.apply.apply_message: the claim and its lease, the handlers, the statuses and audit in one transaction), so
the rules, the exactly-once and the audit trail are the workers'; the request does not wait for a worker to take a
message. What the apply writes for later, the mails and the outcome deliveries, goes to the workers as a worker
hands it over. A command not applied here (the store failed for a moment, or the apply sent it back to wait) is
published to the workers and waited for; if this process dies first, the relay publishes it after its timeout.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from domain.commands import WIRE_VERSION, Command
from domain.states import CommandStatus
from messaging.broker import publish_batch, publish_deliveries, publish_mails
from producers.services.client import Client
from store.reads import queries
from workers.apply import apply_message
from workers.runtime import Runtime

logger = logging.getLogger(__name__)


class AppliedHere:
    """Applies commands in this process, with the client's store, broker and clock."""

    def __init__(self, client: Client):
        self.client = client
        self.runtime = Runtime(client.settings, client.clock, engine=client.engine)

    def apply(self, commands: list[Command], *, api_key_id: str | None, timeout: float) -> dict[UUID, str]:
        """Journal the commands, apply them, and give their statuses; those still queued after `timeout` seconds
        (no worker took them) are left queued."""
        self.client.submit(commands, api_key_id=api_key_id, publish=False)
        found = self._apply_else_publish(commands)
        if any(status == CommandStatus.QUEUED for status in found.values()):
            return self.client.wait(list(found), timeout)
        return found

    def _apply_else_publish(self, commands: list[Command]) -> dict[UUID, str]:
        """Apply them as one message's commands; publish to the workers those it did not apply. Their statuses."""
        client, settings = self.client, self.client.settings
        sent_back: set[str] = set()

        def defer(payloads: list[dict], countdown: float) -> None:
            sent_back.update(str(payload.get("id")) for payload in payloads)
            publish_batch(client.celery, settings.queue, payloads, countdown=countdown, clock=client.clock)

        try:
            apply_message({"v": WIRE_VERSION, "commands": [_reference(command) for command in commands]},
                          self.runtime.unit_of_work, max_attempts=settings.max_attempts, chunk=settings.apply_chunk,
                          lease=timedelta(seconds=settings.lease_seconds),
                          mails_committed=lambda mail_ids: publish_mails(client.celery, settings.queue, mail_ids),
                          deliveries_committed=lambda delivery_ids: publish_deliveries(
                              client.celery, settings.queue, delivery_ids),
                          deferred=defer)
        except Exception as error:  # noqa: BLE001 - whatever stopped it, the workers apply what is left
            logger.warning("%d commands not applied here (%s: %s): published to the workers", len(commands),
                           type(error).__name__, error)
        found = queries.statuses(client.engine, [command.id for command in commands])
        left = [command for command in commands if found.get(command.id) == CommandStatus.QUEUED
                and str(command.id) not in sent_back]
        if left:
            client.publish(left)
        return found


def _reference(command: Command) -> dict:
    """What a message carries of a journalled command: the journal's copy is the one applied."""
    return {"id": str(command.id), "issued_at": command.issued_at.isoformat()}
