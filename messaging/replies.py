"""Answers to the requests upstream systems publish on the broker (the queue ENVADMIN_REQUESTS_QUEUE): each one a
JSON message on the request's reply_to queue, through the default exchange, carrying its correlation_id.

The same function sends the answer to a request (its command ids, or its refusal) and each later outcome of its
commands. A message is persistent, and says what it is by itself (its `message_id`, where given, is the same for
every copy): a receiver can drop one it has seen when a crash makes envadmin send it again.
"""
from __future__ import annotations

from kombu import Producer


def publish_reply(producer: Producer, reply_to: str, correlation_id: str | None, body: dict, *,
                  message_id: str | None = None, headers: dict[str, str] | None = None) -> None:
    """Publish `body` as JSON to the queue `reply_to`, persistent, with the correlation id; raises what the broker
    raises when it cannot take it (on RabbitMQ, returns once the broker confirmed it)."""
    properties = {"correlation_id": correlation_id} if correlation_id is not None else {}
    if message_id is not None:
        properties["message_id"] = message_id
    producer.publish(body, exchange="", routing_key=reply_to, serializer="json", delivery_mode="persistent",
                     headers=headers or {}, retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2},
                     **properties)
