"""A reply to a broker request, and each later outcome of its commands, on Redis and RabbitMQ: JSON on the reply_to
queue, persistent, with the request's correlation id, and a message id that stays the same however often it is
sent."""
from __future__ import annotations

import uuid

import pytest
from kombu import Connection

from messaging.broker import make_celery
from messaging.replies import publish_reply

from ..support.stack_settings import make_settings


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_an_outcome_reaches_the_reply_queue_with_its_correlation_id_as_often_as_it_is_sent(broker, request,
                                                                                           tmp_path):
    url = request.getfixturevalue(f"{broker}_broker_url")
    app = make_celery(make_settings(tmp_path / "var", None, url))
    outcome = {"type": "command.applied", "id": str(uuid.uuid4()), "account": "1001", "status": "applied",
               "reason": "bob@example.com is now an administrator of account 1001."}
    event_id = str(uuid.uuid4())
    with Connection(url) as connection:
        replies = connection.SimpleQueue(f"replies-{uuid.uuid4().hex[:8]}")
        try:
            for _ in range(2):  # sent again after a crash: the same message
                with app.producer_or_acquire() as producer:
                    publish_reply(producer, replies.queue.name, "grant-bob", outcome, message_id=event_id)
            for _ in range(2):
                message = replies.get(timeout=10)
                message.ack()
                assert message.payload == outcome
                assert message.content_type == "application/json"
                assert message.properties["correlation_id"] == "grant-bob"
                assert message.properties["message_id"] == event_id
                assert message.properties["delivery_mode"] == 2
        finally:
            replies.close()
            with connection.channel() as channel:
                replies.queue.bind(channel).delete()
    app.close()
