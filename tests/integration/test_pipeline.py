"""Commands flow from the client through a real broker and a real worker into the store."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from messaging.broker import APPLY_BATCH, publish_batch
from producers.services.client import Client
from store.reads import queries
from store.unit_of_work import SqlUnitOfWork
from workers.celery_app import create_app

from ..support.builders import account_with_admin, add_user, grant, revoke
from ..support.running_workers import thread_worker
from ..support.sql import count_rows


def test_a_batch_is_applied_and_each_command_ends_on_its_own(stack):
    client = Client(stack)
    commands = [account_with_admin(), add_user("Bob@Example.com"), grant("bob@example.com"),
                grant("nobody@example.com"), grant("bob@example.com", by="mallory@example.com")]
    receipt = client.submit(commands)
    assert receipt.published
    with thread_worker(create_app(stack)):
        final = client.wait(receipt.ids, timeout=30)
    assert [final[i] for i in receipt.ids] == ["applied", "applied", "applied", "pending", "rejected"]
    assert "invite was sent" in queries.command_status(client.engine, receipt.ids[3])["reason"]
    assert queries.command_status(client.engine, receipt.ids[4])["reason"] == \
        "mallory@example.com is not an administrator of account 1001"
    assert queries.admins(client.engine, "1001") == ["alice@example.com", "Bob@Example.com"]


def test_publishing_every_message_twice_has_no_double_effect(stack):
    client = Client(stack)
    commands = [account_with_admin(), add_user("bob@example.com"), grant("bob@example.com")]
    receipt = client.submit(commands)
    publish_batch(client.celery, stack.queue, [c.model_dump(mode="json") for c in commands])
    with thread_worker(create_app(stack)):
        client.wait(receipt.ids, timeout=30)
        extra = client.submit([revoke("carol@example.com")])  # a marker: applied after both copies
        client.wait(extra.ids, timeout=30)
    url = stack.effective_database_url
    # account created, alice added and granted, bob added and granted: once each
    assert count_rows(url, "SELECT count(*) FROM audit_log") == 5
    assert count_rows(url, "SELECT count(*) FROM users") == 2
    assert count_rows(url, "SELECT count(*) FROM memberships") == 2


def journal_without_publishing(client: Client, commands: list) -> None:
    """Write the commands to the command log as Client.submit does, and publish nothing."""
    with SqlUnitOfWork(client.engine) as uow:
        uow.log.record_submitted(commands, datetime.now(timezone.utc))
        uow.commit()


def test_the_command_log_copy_is_applied_whatever_the_message_carries(stack):
    client = Client(stack)
    commands = [account_with_admin(), add_user("bob@example.com"), grant("bob@example.com")]
    journal_without_publishing(client, commands)  # the test publishes its own copy
    ids = [c.id for c in commands]
    tampered = [c.model_dump(mode="json") for c in commands]
    tampered[2] = {"id": tampered[2]["id"], "type": "grant_admin", "email": "not an email"}
    tampered[1] = {"id": tampered[1]["id"]}  # as a job's messages carry them
    ghost = {"id": "0b7f4a6e-2f55-4d61-9c1e-6f0a9c1d2e3f", "type": "grant_admin", "email": "not an email"}
    bare_ghost = {"id": "5c1d0a4b-6e2f-4f3a-8b7c-2d9e0f1a3b4c"}
    publish_batch(client.celery, stack.queue, tampered + [ghost, bare_ghost])
    with thread_worker(create_app(stack)):
        final = client.wait(ids, timeout=30)
    assert [final[i] for i in ids] == ["applied", "applied", "applied"]
    assert queries.admins(client.engine, "1001") == ["alice@example.com", "bob@example.com"]
    reasons = sorted(letter["reason"] for letter in queries.list_dead_letters(client.engine))
    assert reasons[0].startswith(f"command {ghost['id']} is not in the command log, and is invalid: ")
    assert reasons[1] == f"command {bare_ghost['id']} is not in the command log, and its message carried only its id"


def test_a_command_twice_in_one_message_is_applied_once(stack):
    client = Client(stack)
    commands = [account_with_admin(), add_user("bob@example.com"), grant("bob@example.com")]
    journal_without_publishing(client, commands)
    payloads = [c.model_dump(mode="json") for c in commands]
    publish_batch(client.celery, stack.queue, payloads + payloads[2:])
    with thread_worker(create_app(stack)):
        client.wait([c.id for c in commands], timeout=30)
    assert count_rows(stack.effective_database_url, "SELECT count(*) FROM audit_log") == 5
    assert queries.command_status(client.engine, commands[2].id)["reason"] == \
        "bob@example.com is now an administrator of account 1001."


def test_grant_and_revoke_delivered_in_reverse_order_end_with_the_later_issued(stack):
    client = Client(stack)
    setup = client.submit([account_with_admin(), add_user("bob@example.com")])
    now = datetime.now(timezone.utc)
    first = grant("bob@example.com").model_copy(update={"issued_at": now - timedelta(seconds=5)})
    second = revoke("bob@example.com").model_copy(update={"issued_at": now})
    with thread_worker(create_app(stack)):
        client.wait(setup.ids, timeout=30)
        later = client.submit([second])
        client.wait(later.ids, timeout=30)
        earlier = client.submit([first])
        final = client.wait(earlier.ids, timeout=30)
    assert final[first.id] == "superseded"
    assert queries.command_status(client.engine, second.id)["status"] == "applied"
    assert queries.admins(client.engine, "1001") == ["alice@example.com"]


def test_a_poison_message_becomes_a_dead_letter_and_the_worker_keeps_going(stack):
    client = Client(stack)
    with thread_worker(create_app(stack)):
        publish_batch(client.celery, stack.queue, [{"type": "grant_admin", "id": "not-a-uuid"}])
        client.celery.send_task(APPLY_BATCH, args=["this is not a batch"], queue=stack.queue)
        receipt = client.submit([account_with_admin()])
        final = client.wait(receipt.ids, timeout=30)
    assert final[receipt.ids[0]] == "applied"
    reasons = [letter["reason"] for letter in queries.list_dead_letters(client.engine)]
    assert any(r.startswith("invalid command: id:") for r in reasons)
    assert any(r.startswith("unreadable message") for r in reasons)


def test_a_message_that_is_not_a_task_becomes_a_dead_letter(stack):
    client = Client(stack)
    with thread_worker(create_app(stack)):
        with client.celery.connection_for_write() as conn:
            conn.default_channel.basic_publish(
                conn.default_channel.prepare_message(b"\x00garbage", content_type="application/json"),
                exchange="", routing_key=stack.queue)
        receipt = client.submit([account_with_admin()])
        final = client.wait(receipt.ids, timeout=30)
    assert final[receipt.ids[0]] == "applied"
    reasons = [letter["reason"] for letter in queries.list_dead_letters(client.engine)]
    assert any("undecodable" in r or "unknown format" in r for r in reasons), reasons


def test_an_empty_or_half_written_message_file_does_not_stop_the_embedded_worker(tmp_path):
    from ..support.stack_settings import make_settings

    settings = make_settings(tmp_path / "var", None, None)
    client = Client(settings)
    queue_folder = settings.broker_folder / "queue"
    with thread_worker(create_app(settings)):
        (queue_folder / f"0_{'0' * 8}.{settings.queue}.msg").write_bytes(b"")  # what kombu#1551 leaves
        receipt = client.submit([account_with_admin()])
        final = client.wait(receipt.ids, timeout=30)
    assert final[receipt.ids[0]] == "applied"
    assert not [p for p in queue_folder.iterdir() if p.name.startswith(".")]  # no half-written file left
