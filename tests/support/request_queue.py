"""The broker's request queue in tests: the intake running in a thread of the test or as `envadmin intake`, and an
upstream system that publishes requests with kombu and reads the replies on a queue of its own."""
from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

from kombu import Connection, Queue

from config.settings import Settings
from producers.demo.processes import WorkerProcess
from producers.intake.consumer import RequestIntake
from producers.services.client import Client

from .running_workers import print_log_tail, stop_quickly
from .stack_settings import settings_env
from .waiting import wait_until

REPLY_TIMEOUT = 30  # seconds for the intake to answer a request, or a worker to apply it


@contextmanager
def running_intake(client: Client, legacy_token: bytes = b""):
    """The intake consuming the client's request queue in a thread, until the block ends."""
    intake = RequestIntake(client, legacy_token)
    thread = threading.Thread(target=intake.run, name="intake", daemon=True)
    thread.start()
    try:
        wait_until(intake.ready.is_set, "the intake to consume its queue", timeout=REPLY_TIMEOUT)
        yield intake
    finally:
        intake.should_stop = True
        thread.join(REPLY_TIMEOUT)


class Upstream:
    """A system that publishes requests to the queue, each with a key, a message id and a reply queue of its own."""

    def __init__(self, broker_url: str, requests_queue: str, queue_arguments: dict | None = None):
        self.connection = Connection(broker_url)
        self.requests = Queue(requests_queue, durable=True, queue_arguments=queue_arguments)
        self.reply_queue = f"replies-{uuid.uuid4().hex[:8]}"
        self.replies = self.connection.SimpleQueue(self.reply_queue)
        self.outcomes: list[tuple[str | None, dict]] = []  # (correlation id, outcome) passed over by reply()

    def send(self, body: dict | bytes, key: str | None, *, message_id: object = None,
             reply: bool = True, correlation_id: str | None = None, language: str | None = None) -> str:
        """Publish one request (a dict as JSON, bytes as they are); its correlation id."""
        correlation_id = correlation_id or uuid.uuid4().hex
        properties = {"message_id": message_id} if message_id is not None else {}
        if reply:
            properties |= {"reply_to": self.reply_queue, "correlation_id": correlation_id}
        headers = {"authorization": f"Bearer {key}"} if key is not None else {}
        headers |= {"accept-language": language} if language is not None else {}
        raw = isinstance(body, bytes)
        with self.connection.Producer() as producer:
            producer.publish(body, routing_key=self.requests.name, declare=[self.requests], headers=headers,
                             delivery_mode="persistent", serializer=None if raw else "json",
                             content_type="application/json" if raw else None,
                             content_encoding="utf-8" if raw else None, **properties)
        return correlation_id

    def reply(self, correlation_id: str, timeout: float = REPLY_TIMEOUT) -> tuple[dict, dict]:
        """The next answer to a request, its body and headers; it must answer `correlation_id`. The outcomes of
        commands, which follow their answers on the same queue, are kept in `outcomes` on the way."""
        while True:
            message = self.replies.get(block=True, timeout=timeout)
            message.ack()
            if isinstance(message.payload, dict) and str(message.payload.get("type", "")).startswith("command."):
                self.outcomes.append((message.properties.get("correlation_id"), message.payload))
                continue
            assert message.properties.get("correlation_id") == correlation_id, message.properties
            return message.payload, message.headers

    def close(self) -> None:
        self.replies.close()
        with self.connection.channel() as channel:
            for queue in (self.reply_queue, self.requests.name):
                Queue(queue, channel=channel).delete()
        self.connection.close()


class IntakeProcess(WorkerProcess):
    """A real `envadmin intake`, in its own process group, its output in a log file."""

    verb = "intake"


@contextmanager
def intake_process(settings: Settings, log: Path):
    """`envadmin intake` on these settings, consuming once the block starts; its log tail is printed if the test
    fails inside the block."""
    intake = IntakeProcess(log, env=settings_env(settings))
    intake.start()
    try:
        wait_until(lambda: "Taking requests from the queue" in (log.read_text() if log.exists() else "")
                   or intake.process.poll() is not None, "the intake to consume", timeout=REPLY_TIMEOUT)
        assert intake.process.poll() is None, log.read_text()
        yield intake
    except BaseException:
        print_log_tail(log)
        raise
    finally:
        stop_quickly(intake)
