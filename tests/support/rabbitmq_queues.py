"""Queues a test declared on the test RabbitMQ, removed at its end whatever their type."""
from __future__ import annotations

from kombu import Connection, Exchange, Queue


def drop_queues(broker_url: str, *names: str) -> None:
    """Each queue and the exchange of its name (Celery names a queue's exchange after it)."""
    with Connection(broker_url) as conn:
        for name in names:
            channel = conn.channel()
            Queue(name, channel=channel).delete()
            Exchange(name, channel=channel).delete()
            channel.close()
