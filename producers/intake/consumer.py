"""The intake process: consumes the request queue (ENVADMIN_REQUESTS_QUEUE) of the broker envadmin uses, answers
each request on its reply_to, then acknowledges it.

Acknowledged only once answered: stopped in between, the broker delivers the request again, and its message id
finds the commands it journalled (producers.intake.requests) instead of journalling them twice. A request that
cannot be answered (no reply_to) is kept as a dead letter, for ops to see, and never applied. When the store or
the broker cannot be reached, the request goes back to the queue and is tried again after a pause; an error no
retry would mend is answered 500 with an error id, its details in the log.
"""
from __future__ import annotations

import logging
import threading
import time
from uuid import uuid4

from kombu import Message, Queue
from kombu.mixins import ConsumerMixin

from messaging.replies import publish_reply
from producers.intake.requests import Answer, IncomingRequest, answer_request
from producers.services.client import Client
from producers.services.refusal import refused
from store.unit_of_work import SqlUnitOfWork
from workers.failure_kinds import is_transient

logger = logging.getLogger(__name__)

PREFETCH = 16  # requests a process holds unacknowledged
RETRY_PAUSE_SECONDS = 1.0  # before a request the store or the broker failed goes back to the queue
MAX_REPLY_TO = 255  # an AMQP queue name's length


class RequestIntake(ConsumerMixin):
    """Answers the requests of the request queue, one at a time; `ready` is set once it consumes."""

    def __init__(self, client: Client, legacy_token: bytes = b""):
        self.client = client
        self.legacy_token = legacy_token
        self.queue = Queue(client.settings.requests_queue, durable=True)
        self.connection = client.celery.connection_for_read()
        self.ready = threading.Event()

    def get_consumers(self, Consumer, channel):
        return [Consumer(queues=[self.queue], on_message=self.on_request, prefetch_count=PREFETCH)]

    def on_consume_ready(self, connection, channel, consumers, **kwargs) -> None:
        logger.info("Taking requests from the queue %s", self.queue.name)
        self.ready.set()

    def on_request(self, message: Message) -> None:
        try:
            self._answer(message)
        except Exception as error:  # the store or the broker unreachable: the request is kept, and tried again
            logger.warning("Could not answer a request of %s now (%s: %s); it goes back to the queue",
                           self.queue.name, type(error).__name__, error)
            time.sleep(RETRY_PAUSE_SECONDS)
            message.requeue()

    def _answer(self, message: Message) -> None:
        body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
        properties = message.properties
        reply_to = properties.get("reply_to")
        if not isinstance(reply_to, str) or not reply_to or len(reply_to) > MAX_REPLY_TO:
            self._dead_letter(body, properties.get("message_id"),
                              f"it has no reply_to (a queue name of 1 to {MAX_REPLY_TO} characters) to be answered on")
            message.ack()
            return
        headers = {str(name).lower(): value for name, value in (message.headers or {}).items()}
        correlation_id = properties.get("correlation_id")
        request = IncomingRequest(body, str(headers.get("authorization", "")), properties.get("message_id"),
                                  reply_to, None if correlation_id is None else str(correlation_id))
        answer = self._answer_of(request)
        with self.client.celery.producer_or_acquire() as producer:
            publish_reply(producer, reply_to, request.correlation_id, answer.message(), headers=answer.headers)
        message.ack()

    def _answer_of(self, request: IncomingRequest) -> Answer:
        """The request's answer; 500 naming an error id for an error no retry would mend (a store out of reach
        is raised, for the request to be tried again)."""
        try:
            return answer_request(self.client, self.legacy_token, request, self.client.settings.api_max_body_bytes)
        except Exception as error:
            if is_transient(error):
                raise
            error_id = uuid4().hex[:12]
            logger.exception("Unexpected error answering a request of %s (error id %s)", self.queue.name, error_id)
            return Answer(500, refused(500, f"unexpected error {type(error).__name__} (error id {error_id}; "
                                            "details in the intake log)").body())

    def _dead_letter(self, body: bytes, message_id: object, why: str) -> None:
        reason = f"a request of the queue {self.queue.name} (message_id {message_id!r}) was not applied: {why}"
        with SqlUnitOfWork(self.client.engine, clock=self.client.clock) as uow:
            uow.log.dead_letter(None, reason, body.decode("utf-8", errors="replace"), self.client.clock.now())
            uow.commit()
        logger.warning("Dead letter: %s", reason)
