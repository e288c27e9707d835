"""The type of the queues envadmin declares on RabbitMQ (ENVADMIN_RABBITMQ_QUEUE_TYPE): classic, or quorum,
replicated over the nodes of a RabbitMQ cluster so that losing a node loses no message.

RabbitMQ refuses to declare again a queue that exists with another type (PRECONDITION_FAILED): the processes that
declare queues check it when they start, and stop with a sentence that says how to move the queue over.
"""
from __future__ import annotations

import logging
from urllib.parse import urlparse

from kombu import Connection, Queue

from config.settings import Settings, SettingsError

AMQP_SCHEMES = ("amqp", "pyamqp", "amqps")
MIGRATION_DOC = "docs/operations.md, section 'Moving the queues to another type'"

logger = logging.getLogger(__name__)


class QueueTypeMismatch(SettingsError):
    """A queue exists on the broker with another type than ENVADMIN_RABBITMQ_QUEUE_TYPE asks for."""


def is_amqp(settings: Settings) -> bool:
    return urlparse(settings.effective_broker_url).scheme in AMQP_SCHEMES


def uses_quorum_queues(settings: Settings) -> bool:
    """Quorum queues are RabbitMQ's: on Redis and the embedded folder the setting means nothing."""
    return is_amqp(settings) and settings.rabbitmq_queue_type == "quorum"


def queue_arguments(settings: Settings) -> dict | None:
    """The x-arguments every queue envadmin declares is declared with."""
    return {"x-queue-type": "quorum"} if uses_quorum_queues(settings) else None


def requests_queue(settings: Settings) -> Queue:
    """The queue upstream systems publish requests on (ENVADMIN_REQUESTS_QUEUE), as the intake declares it."""
    return Queue(settings.requests_queue, durable=True, queue_arguments=queue_arguments(settings))


def check_queue_types(settings: Settings, queues: list[Queue]) -> None:
    """Declare each queue as configured; QueueTypeMismatch if the broker holds one of another type (or its exchange
    of another type). A broker that cannot be reached is left to the process's own retries."""
    if not is_amqp(settings):
        return
    try:
        with Connection(settings.effective_broker_url, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
            for queue in queues:
                channel = conn.channel()
                try:
                    queue.bind(channel).declare()
                except conn.channel_errors as error:
                    raise _mismatch(settings, queue, error) from None
                finally:
                    try:
                        channel.close()
                    except Exception:  # the channel the broker closed on the refusal
                        pass
    except QueueTypeMismatch:
        raise
    except Exception as error:  # unreachable now: Celery and the intake retry on their own
        logger.warning("Could not check the type of the RabbitMQ queues now: %s", error)


def _mismatch(settings: Settings, queue: Queue, error: Exception) -> QueueTypeMismatch:
    wanted = settings.rabbitmq_queue_type
    other = "classic" if wanted == "quorum" else "quorum"
    return QueueTypeMismatch(
        f"ENVADMIN_RABBITMQ_QUEUE_TYPE is {wanted}, but RabbitMQ refused to declare the queue {queue.name!r} "
        f"(or its exchange) that way: it exists already as a {other} queue ({error}). A queue cannot change type "
        f"in place: set ENVADMIN_RABBITMQ_QUEUE_TYPE={other} again, or move the queue over as {MIGRATION_DOC} says")
