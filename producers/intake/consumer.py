"""The intake process: consumes the request queue (ENVADMIN_REQUESTS_QUEUE) of the broker envadmin uses, answers
each request on its reply_to, then acknowledges it. Requests arriving together (within GATHER_SECONDS of the first,
up to BATCH) are answered together, their commands journalled in one transaction.

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

from kombu import Message
from kombu.mixins import ConsumerMixin

from domain.said import Said
from languages import DEFAULT, from_accept_language, reader
from messaging.queue_type import requests_queue
from messaging.replies import publish_reply
from producers.intake.requests import Answer, IncomingRequest, answer_requests
from producers.services.api_messages import said
from producers.services.client import Client
from producers.services.refusal import refused
from store.unit_of_work import SqlUnitOfWork
from workers.failure_kinds import is_transient

logger = logging.getLogger(__name__)

BATCH = 200  # requests held and answered together, at most: their commands journalled in one transaction
GATHER_SECONDS = 0.02  # how long the first request held waits for others to be answered with it
RETRY_PAUSE_SECONDS = 1.0  # before requests the store or the broker failed go back to the queue
MAX_REPLY_TO = 255  # an AMQP queue name's length


class RequestIntake(ConsumerMixin):
    """Answers the requests of the request queue, those arriving together in one go; `ready` is set once it
    consumes."""

    def __init__(self, client: Client, legacy_token: bytes = b""):
        self.client = client
        self.legacy_token = legacy_token
        self.queue = requests_queue(client.settings)
        self.connection = client.celery.connection_for_read()
        self.ready = threading.Event()
        self._held: list[Message] = []
        self._held_since = 0.0

    def run(self, _tokens: int = 1, **kwargs) -> None:
        kwargs.setdefault("safety_interval", GATHER_SECONDS)  # a look at the requests held at least that often
        super().run(_tokens, **kwargs)

    def get_consumers(self, Consumer, channel):
        return [Consumer(queues=[self.queue], on_message=self.on_request, prefetch_count=BATCH)]

    def on_consume_ready(self, connection, channel, consumers, **kwargs) -> None:
        # Requests held from a connection that was lost are the broker's again: it delivers them anew.
        self._held = []
        logger.info("Taking requests from the queue %s", self.queue.name)
        self.ready.set()

    def on_request(self, message: Message) -> None:
        if not self._held:
            self._held_since = time.monotonic()
        self._held.append(message)
        if len(self._held) >= BATCH:
            self.answer_held()

    def on_iteration(self) -> None:
        if self._held and time.monotonic() - self._held_since >= GATHER_SECONDS:
            self.answer_held()

    def answer_held(self) -> None:
        """Answer every request held, then acknowledge each; all go back to the queue if the store or the broker
        fails before."""
        messages, self._held = self._held, []
        logger.debug("Answering %d requests of %s", len(messages), self.queue.name)
        try:
            self._answer(messages)
        except Exception as error:  # the store or the broker unreachable: the requests are kept, and tried again
            logger.warning("Could not answer %d requests of %s now (%s: %s); they go back to the queue",
                           len(messages), self.queue.name, type(error).__name__, error)
            time.sleep(RETRY_PAUSE_SECONDS)
            self._give_back(messages)

    def _give_back(self, messages: list[Message]) -> None:
        """Back to the queue, for another try; with the connection lost, the broker has them back already."""
        for message in messages:
            if message.acknowledged:
                continue
            try:
                message.requeue()
            except Exception as error:
                logger.warning("Could not put a request back in %s (%s); the broker will deliver it again",
                               self.queue.name, error)
                return

    def _answer(self, messages: list[Message]) -> None:
        answerable: list[tuple[Message, IncomingRequest]] = []
        for message in messages:
            request = self._read(message)
            if request is not None:
                answerable.append((message, request))
        answers = self._answers_of([request for _message, request in answerable])
        with self.client.celery.producer_or_acquire() as producer:
            for (message, request), answer in zip(answerable, answers):
                publish_reply(producer, request.reply_to, request.correlation_id, answer.message(),
                              headers=answer.headers)
                message.ack()

    def _read(self, message: Message) -> IncomingRequest | None:
        """The request a message carries; None for one without a reply_to, then kept as a dead letter and acked."""
        body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
        properties = message.properties
        reply_to = properties.get("reply_to")
        if not isinstance(reply_to, str) or not reply_to or len(reply_to) > MAX_REPLY_TO:
            self._dead_letter(body, properties.get("message_id"), said("dead.request.no_reply_to", most=MAX_REPLY_TO))
            message.ack()
            return None
        headers = {str(name).lower(): value for name, value in (message.headers or {}).items()}
        correlation_id = properties.get("correlation_id")
        language = from_accept_language(str(headers.get("accept-language", ""))) or DEFAULT
        return IncomingRequest(body, str(headers.get("authorization", "")), properties.get("message_id"),
                               reply_to, None if correlation_id is None else str(correlation_id), language)

    def _answers_of(self, requests: list[IncomingRequest]) -> list[Answer]:
        """The requests' answers; on an error no retry would mend, each answered on its own, and the one that
        fails answered 500 naming an error id (a store out of reach is raised, for them to be tried again)."""
        if not requests:
            return []
        try:
            return answer_requests(self.client, self.legacy_token, requests,
                                   self.client.settings.api_max_body_bytes)
        except Exception as error:
            if is_transient(error):
                raise
            if len(requests) > 1:
                return [self._answers_of([request])[0] for request in requests]
            error_id = uuid4().hex[:12]
            logger.exception("Unexpected error answering a request of %s (error id %s)", self.queue.name, error_id)
            return [Answer(500, refused(500, said("intake.unexpected", error=type(error).__name__,
                                                  error_id=error_id)).body(reader(requests[0].language)))]

    def _dead_letter(self, body: bytes, message_id: object, why: Said) -> None:
        reason = said("dead.request", queue=self.queue.name, message_id=repr(message_id), why=why)
        with SqlUnitOfWork(self.client.engine, clock=self.client.clock) as uow:
            uow.log.dead_letter(None, reason, body.decode("utf-8", errors="replace"), self.client.clock.now())
            uow.commit()
        logger.warning("Dead letter: %s", reason)
