"""ENVADMIN_RABBITMQ_QUEUE_TYPE=quorum on the real RabbitMQ: the work queue and the request queue are quorum queues,
a worker applies what is published there (a countdown through RabbitMQ's delay queues too), mails carry no
priority, and a queue of the other type stops the worker with a sentence instead of a loop of channel errors."""
from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager

import pytest
from kombu import Connection, Exchange, Queue

from messaging.broker import SEND_MAILS, make_celery, publish_batch, publish_mails
from messaging.queue_type import QueueTypeMismatch, check_queue_types, requests_queue
from producers.services.client import Client

from ..support.builders import account_with_admin
from ..support.rabbitmq_queues import drop_queues
from ..support.running_workers import wait_until_ready, worker_process
from ..support.services import empty_store
from ..support.stack_settings import clean_environ, make_settings, settings_env

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]


@pytest.fixture
def quorum(tmp_path, rabbitmq_broker_url, pg_database_url):
    empty_store(pg_database_url)
    settings = make_settings(tmp_path / "var", pg_database_url, rabbitmq_broker_url, rabbitmq_queue_type="quorum",
                             requests_queue=f"envadmin-test-requests-{tmp_path.name[-8:]}")
    yield settings
    drop_queues(settings.effective_broker_url, settings.queue, settings.requests_queue)


def declared_as(broker_url: str, queue: Queue) -> bool:
    """Whether the broker accepts declaring `queue` as it is: False when it exists with other arguments."""
    with Connection(broker_url) as conn:
        channel = conn.channel()
        try:
            queue.bind(channel).declare()
            return True
        except conn.channel_errors:
            return False
        finally:
            try:
                channel.close()
            except Exception:
                pass


def classic(queue: str) -> Queue:
    return Queue(queue, Exchange(queue, type="direct"), routing_key=queue)


@contextmanager
def client_of(settings):
    client = Client(settings)
    try:
        yield client
    finally:
        client.close()


def test_a_worker_on_quorum_queues_applies_commands_and_delayed_batches(quorum, tmp_path):
    log = tmp_path / "worker.log"
    with client_of(quorum) as client:
        later = account_with_admin("5102", "quorum-later@example.com")
        client.submit([later])  # journalled and published before any worker: the producer declares the queue
        assert not declared_as(quorum.effective_broker_url, classic(quorum.queue))
        with Connection(quorum.effective_broker_url) as conn:
            # Its message is lost: only the delayed copy below can bring the command to a worker.
            Queue(quorum.queue, channel=conn.channel(), queue_arguments={"x-queue-type": "quorum"}).purge()
        create = account_with_admin("5101", "quorum-admin@example.com")
        client.submit([create])
        with worker_process(quorum, log, "--concurrency=1", "--no-relay") as worker:
            wait_until_ready(worker, log)
            assert "Global QoS is disabled" in log.read_text()
            assert client.wait([create.id], timeout=60)[create.id] == "applied"

            # A countdown under a second, as a job's row waiting for an earlier one is sent back with.
            assert publish_batch(client.celery, quorum.queue, [{"id": str(later.id)}], countdown=0.5)
            assert client.wait([later.id], timeout=60)[later.id] == "applied"
        assert "direct exchange" not in log.read_text().lower()  # a delayed task would hold a worker slot


def test_mails_are_queued_without_a_priority_on_rabbitmq(quorum):
    app = make_celery(quorum, "test-producer")
    try:
        assert publish_mails(app, quorum.queue, ["00000000-0000-0000-0000-000000000001"]) == 1
    finally:
        app.close()
    with Connection(quorum.effective_broker_url) as conn:
        message = Queue(quorum.queue, channel=conn.channel(), queue_arguments={"x-queue-type": "quorum"}).get()
        assert message is not None and message.headers["task"] == SEND_MAILS
        assert message.properties.get("priority") in (None, 0)
        message.ack()


def test_the_request_queue_is_declared_a_quorum_queue(quorum):
    check_queue_types(quorum, [requests_queue(quorum)])
    assert not declared_as(quorum.effective_broker_url, Queue(quorum.requests_queue, durable=True))
    assert declared_as(quorum.effective_broker_url, requests_queue(quorum))


@pytest.mark.parametrize("existing, wanted", [("classic", "quorum"), ("quorum", "classic")])
def test_a_queue_of_the_other_type_stops_the_worker_with_what_to_do(tmp_path, rabbitmq_broker_url, pg_database_url,
                                                                   existing, wanted):
    settings = make_settings(tmp_path / "var", pg_database_url, rabbitmq_broker_url, rabbitmq_queue_type=wanted)
    before = settings.model_copy(update={"rabbitmq_queue_type": existing})
    try:
        check_queue_types(before, [make_celery(before).amqp.queues[before.queue]])  # as a worker of before declares
        with pytest.raises(QueueTypeMismatch, match=f"ENVADMIN_RABBITMQ_QUEUE_TYPE is {wanted}"):
            check_queue_types(settings, [make_celery(settings).amqp.queues[settings.queue]])

        run = subprocess.run([sys.executable, "-m", "producers.cli", "worker", "--concurrency=1"],
                             env={**clean_environ(), **settings_env(settings)}, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode != 0
        said = run.stdout + run.stderr
        assert f"ENVADMIN_RABBITMQ_QUEUE_TYPE is {wanted}" in said and f"exists already as a {existing} queue" in said
        assert "Moving the queues to another type" in said
        assert "Traceback" not in said
    finally:
        drop_queues(rabbitmq_broker_url, settings.queue)
