"""The README's publisher and consumer of replies, run exactly as written, on RabbitMQ and on Redis with PostgreSQL:
`envadmin intake` answers the request 202, a real `envadmin worker` applies it, and its outcome follows on the
reply queue."""
from __future__ import annotations

import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from kombu import Connection, Queue

from producers.services.client import Client
from store.api_keys import create_key

from ..support.builders import account_with_admin, add_user, mailbox_proven
from ..support.outcomes import submit_and_wait, wait_admin
from ..support.request_queue import intake_process
from ..support.running_workers import wait_until_ready, worker_process
from ..support.services import empty_store
from ..support.stack_settings import clean_environ, make_settings

README = Path(__file__).resolve().parents[2] / "README.md"
REPLY_QUEUE = "acme-hr.replies"  # the README's


def publisher_code() -> str:
    """The README's Python block that publishes with kombu."""
    [code] = [block for block in re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.S | re.M)
              if "kombu" in block]
    return code


@pytest.mark.parametrize("broker", ["rabbitmq", "redis"])
def test_the_readmes_publisher_gets_its_answer_and_a_worker_applies_the_grant(broker, request, tmp_path,
                                                                              pg_database_url):
    url = request.getfixturevalue(f"{broker}_broker_url")
    empty_store(pg_database_url)
    settings = make_settings(tmp_path / "var", pg_database_url, url,
                             requests_queue=f"envadmin.requests-{uuid.uuid4().hex[:8]}")
    _drop_queues(url, REPLY_QUEUE)
    client = Client(settings)
    try:
        with worker_process(settings, tmp_path / "worker.log", "--concurrency=1", "--no-relay") as worker, \
                intake_process(settings, tmp_path / "intake.log"):
            wait_until_ready(worker, tmp_path / "worker.log")
            mailbox_proven(client.engine, "bob@acme.example")
            assert submit_and_wait(client, account_with_admin("2001", "bob@acme.example"),
                                   add_user("alice@acme.example", account="2001", by="bob@acme.example")) == \
                ["applied", "applied"]
            key = create_key(client.engine, client.master_keys(), "acme-hr", client.clock.now(), accounts=["2001"],
                             by="bob@acme.example", lifetime=timedelta(days=1)).key
            run = subprocess.run([sys.executable, "-c", publisher_code()], capture_output=True, text=True,
                                 timeout=60, cwd=tmp_path,
                                 env={**clean_environ(), "ENVADMIN_BROKER_URL": url, "ENVADMIN_KEY": key,
                                      "ENVADMIN_REQUESTS_QUEUE": settings.requests_queue})
            assert run.returncode == 0, run.stderr
            answer, outcome = run.stdout.splitlines()
            assert answer.startswith("grant-alice {'status': 202, 'commands': [{'id': "), run.stdout
            [command_id] = re.findall(r"'id': '([0-9a-f-]{36})'", answer)
            assert outcome == f"grant-alice command.applied {command_id}"
            assert wait_admin(client, "2001", "alice@acme.example")
    finally:
        client.close()
        _drop_queues(url, REPLY_QUEUE, settings.requests_queue)


def _drop_queues(url: str, *names: str) -> None:
    with Connection(url) as connection, connection.channel() as channel:
        for name in names:
            Queue(name, channel=channel).delete()
