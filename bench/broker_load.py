"""The upstream system on the broker: one process publishes every batch as a request to the request queue (a
message_id each, a few published twice as a publisher retrying), then takes the answers and the outcomes from its
reply queue until every command's outcome is there."""
from __future__ import annotations

import json
import socket
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from kombu import Connection, Consumer, Queue

from domain.clock import SYSTEM_CLOCK

from .measure import BenchError
from .outcome_tally import OutcomeTally

PREFETCH = 1000


@dataclass
class BrokerRun:
    """What the publisher sent and was answered."""

    requests: int = 0
    retries: int = 0
    answered: int = 0
    answers: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))  # by correlation id
    tally: OutcomeTally = field(default_factory=OutcomeTally)
    started_at: float = 0.0  # wall time of the first publish
    published_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        """Command ids of the first answer to each request."""
        return [command["id"] for answers in self.answers.values() if answers and answers[0].get("status") == 202
                for command in answers[0]["commands"]]

    def retried_ids(self) -> list[str]:
        return [command["id"] for answers in self.answers.values() if len(answers) > 1
                for command in answers[0].get("commands", [])]

    def replayed(self) -> int:
        """Retries answered with the first answer: the same status and command ids."""
        return sum(1 for answers in self.answers.values() if len(answers) > 1
                   and all(answer == answers[0] and answer.get("status") == 202 for answer in answers[1:]))


def publish_and_follow(broker_url: str, requests_queue: str, key: str, batches: list[list[dict]], retries: int,
                       stall_seconds: float) -> BrokerRun:
    """Publishes each batch (and `retries` of them again, same message_id and body), then reads the reply queue until
    every request is answered and every command of a 202 has an outcome; no new reply in `stall_seconds`: BenchError."""
    run = BrokerRun(requests=len(batches))
    retried = set(range(0, len(batches), max(1, len(batches) // retries))[:retries]) if retries else set()
    run.retries = len(retried)
    requests = Queue(requests_queue, durable=True)
    replies = Queue(f"bench-upstream-replies-{uuid.uuid4().hex[:8]}", durable=True)

    def on_reply(body, message) -> None:
        payload = body if isinstance(body, dict) else json.loads(body)
        if "type" in payload:
            run.tally.record(payload)
        else:
            run.answers[message.properties.get("correlation_id")].append(payload)
            run.answered += 1

    with Connection(broker_url) as connection:
        channel = connection.channel()
        replies(channel).declare()
        try:
            with Consumer(channel, queues=[replies], callbacks=[on_reply], no_ack=True, accept=["json"],
                          prefetch_count=PREFETCH):
                producer = connection.Producer(channel)
                run.started_at, started = SYSTEM_CLOCK.now().timestamp(), time.perf_counter()
                for index, batch in enumerate(batches):
                    body, message_id = json.dumps({"commands": batch}).encode(), str(uuid.uuid4())
                    for _ in range(2 if index in retried else 1):
                        producer.publish(body, routing_key=requests.name, declare=[requests], serializer=None,
                                         content_type="application/json", content_encoding="utf-8",
                                         delivery_mode="persistent", headers={"authorization": f"Bearer {key}"},
                                         message_id=message_id, reply_to=replies.name,
                                         correlation_id=f"request-{index}")
                run.published_seconds = time.perf_counter() - started
                _follow(connection, run, stall_seconds)
        finally:
            replies(connection.channel()).delete()
    return run


def _follow(connection: Connection, run: BrokerRun, stall_seconds: float) -> None:
    expected_answers = run.requests + run.retries
    last_progress, seen, commands = time.monotonic(), 0, None
    while True:
        answered = run.answered
        if commands is None and answered >= expected_answers:
            commands = len(run.ids)  # every command accepted is known once every request is answered
        if commands is not None and len(run.tally.outcomes) >= commands:
            return
        try:
            connection.drain_events(timeout=1)
        except socket.timeout:
            pass
        now_seen = answered + run.tally.deliveries
        if now_seen != seen:
            seen, last_progress = now_seen, time.monotonic()
        elif time.monotonic() - last_progress > stall_seconds:
            raise BenchError(f"no reply for {stall_seconds:g}s: {answered} of {expected_answers} answers, outcomes "
                             f"of {len(run.tally.outcomes):,} of {commands or len(run.ids):,} commands")
