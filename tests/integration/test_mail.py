"""Invite mail: the encrypted outbox, the file and SMTP transports, once-only sending, retries and the sweep."""
from __future__ import annotations

import email
import email.policy
import logging
import threading
from contextlib import contextmanager
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import insert, select, update

from domain.clock import FixedClock
from mail import transports as mail_module
from mail.transports import FileTransport, SmtpTransport, transport_for
from messaging.broker import SWEEP_MAIL
from store.engine import make_engine
from store.mail_outbox import MailOutbox, UnreadableMail
from store.migrate import upgrade
from store.tables import invites, mail_outbox, pending_grants
from workers.celery_app import create_app
from workers.runtime import Runtime
from workers.sender import (
    SESSIONS_PER_BATCH,
    MailDeliveryDeferred,
    publish_mail,
    retry_waits,
    send_batch,
    send_one,
    sweep_mail_outbox,
)

from ..support.running_workers import thread_worker
from ..support.services import free_port
from ..support.stack_settings import make_settings
from ..support.waiting import wait_until
from .mail_setup import BODY, TOKEN, enqueue, mail_row, mail_settings, master_keys, smtp_server, utcnow


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) keeping what it receives; its URL as `url`."""
    controller, collector = smtp_server()
    collector.url = f"smtp://127.0.0.1:{controller.port}"
    yield collector
    controller.stop()


def test_the_outbox_keeps_no_clear_body(database_url, tmp_path):
    settings = mail_settings(tmp_path, database_url)
    mail_id, other = enqueue(settings), enqueue(settings)
    row = mail_row(settings, mail_id)
    for value in row:
        text = value if isinstance(value, (str, bytes)) else str(value)
        assert (TOKEN.encode() if isinstance(text, bytes) else TOKEN) not in text
    engine = make_engine(database_url)
    with engine.connect() as conn:
        pending = MailOutbox(conn).begin_sending(mail_id, master_keys(settings))
        assert pending.content.text == BODY and pending.to_email == "bob@example.com" and pending.attempts == 0
        assert TOKEN not in repr(pending)
        conn.rollback()  # a body moved to another mail's row fails authentication
        conn.execute(update(mail_outbox).where(mail_outbox.c.id == other).values(
            body_nonce=row.body_nonce, body_ciphertext=row.body_ciphertext))
        with pytest.raises(UnreadableMail):
            MailOutbox(conn).begin_sending(other, master_keys(settings))
    engine.dispose()


def test_the_file_transport_writes_one_eml_once(database_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="workers")
    settings = mail_settings(tmp_path, database_url)
    mail_id = enqueue(settings)
    uow = Runtime(settings).unit_of_work
    assert send_one(mail_id, uow, settings) == "sent"
    assert send_one(mail_id, uow, settings) == "skipped"
    files = sorted((tmp_path / "outbox").iterdir())
    assert [f.name for f in files] == [f"{mail_id}.eml"]
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "bob@example.com" and message["Message-ID"] == f"<{mail_id}@envadmin>"
    assert message["From"] == "envadmin <no-reply@envadmin.local>"
    assert message.get_content() == BODY
    row = mail_row(settings, mail_id)
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 0
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_smtp_delivers_to_a_real_server_once(database_url, tmp_path, smtp):
    settings = mail_settings(tmp_path, database_url, smtp.url)
    mail_id = enqueue(settings)
    uow = Runtime(settings).unit_of_work
    assert [send_one(mail_id, uow, settings) for _ in range(2)] == ["sent", "skipped"]
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["Message-ID"] == f"<{mail_id}@envadmin>" and message["To"] == "bob@example.com"
    assert TOKEN in message.get_content()


def test_a_batch_goes_out_over_a_few_smtp_sessions_at_once_and_each_mail_once(database_url, tmp_path, smtp):
    settings = mail_settings(tmp_path, database_url, smtp.url)
    ids = [enqueue(settings, to=f"p{i}@example.com") for i in range(SESSIONS_PER_BATCH * 2 + 1)]
    uow = Runtime(settings).unit_of_work
    send_one(ids[0], uow, settings)
    retried = []
    assert send_batch([str(i) for i in ids], uow, settings, retried.append) == {"sent": len(ids) - 1, "skipped": 1}
    assert sorted(m["To"] for m in smtp.messages) == sorted(f"p{i}@example.com" for i in range(len(ids)))
    assert smtp.sessions == 1 + SESSIONS_PER_BATCH and retried == []
    assert {mail_row(settings, i).status for i in ids} == {"sent"}


def test_a_batch_leaves_an_undeliverable_mail_to_its_own_retries(database_url, tmp_path):
    settings = mail_settings(tmp_path, database_url, f"smtp://127.0.0.1:{free_port()}", mail_max_attempts=3)
    mail_id = enqueue(settings)
    retried = []
    results = send_batch([str(mail_id)], Runtime(settings).unit_of_work, settings, retried.append,
                         transport=FailingTransport())
    assert results == {"sent": 0, "skipped": 0, "deferred": 1} and retried == [mail_id]
    row = mail_row(settings, mail_id)
    assert (row.status, row.attempts) == ("pending", 1) and "refused" in row.reason


class FailingTransport:
    @contextmanager
    def session(self):
        yield

    def send(self, mail_id, message):
        raise ConnectionRefusedError("refused")


def test_two_concurrent_deliveries_send_one_mail(database_url, tmp_path):
    controller, collector = smtp_server(delay=1.0)  # the first sender holds the row while it talks
    try:
        settings = mail_settings(tmp_path, database_url, f"smtp://127.0.0.1:{controller.port}")
        mail_id = enqueue(settings)
        uow, barrier, results = Runtime(settings).unit_of_work, threading.Barrier(2), []

        def deliver():
            barrier.wait()
            results.append(send_one(mail_id, uow, settings))

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(results) == ["sent", "skipped"]
        assert len(collector.messages) == 1
    finally:
        controller.stop()


def test_a_mail_that_keeps_failing_fails_its_invite(database_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="workers")
    settings = mail_settings(tmp_path, database_url, f"smtp://127.0.0.1:{free_port()}", mail_max_attempts=3)
    invite_id, now = uuid4(), utcnow()
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(insert(invites).values(
            id=invite_id, account="1001", email_key="bob@example.com", email="bob@example.com",
            invited_by="alice@example.com", status="pending", token_hash="h" * 64, created_at=now,
            expires_at=now + timedelta(days=7)))
        conn.execute(insert(pending_grants).values(
            id=uuid4(), invite_id=invite_id, account="1001", group_key="account administrators",
            email_key="bob@example.com", command_id=uuid4(), actor="alice@example.com", issued_at=now,
            status="pending", created_at=now))
    mail_id = enqueue(settings, invite_id)
    uow = Runtime(settings).unit_of_work
    for attempt in (1, 2):
        with pytest.raises(MailDeliveryDeferred) as deferred:
            send_one(mail_id, uow, settings)
        assert TOKEN not in str(deferred.value)
        row = mail_row(settings, mail_id)
        assert (row.status, row.attempts) == ("pending", attempt) and "Connection" in row.reason
    assert send_one(mail_id, uow, settings) == "failed"
    assert send_one(mail_id, uow, settings) == "skipped"
    row = mail_row(settings, mail_id)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 3, None)
    assert "ConnectionRefusedError" in row.reason
    with engine.connect() as conn:
        invite = conn.execute(select(invites).where(invites.c.id == invite_id)).one()
        grant = conn.execute(select(pending_grants).where(pending_grants.c.invite_id == invite_id)).one()
    engine.dispose()
    assert invite.status == "failed" and invite.finished_at is not None
    assert invite.reason == f"mail delivery failed: {row.reason}"
    assert grant.status == "failed"
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_the_sweep_waits_out_the_retries_of_a_failing_mail(database_url, tmp_path):
    settings = mail_settings(tmp_path, database_url)
    fresh, tried, sent = enqueue(settings), enqueue(settings), enqueue(settings)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(update(mail_outbox).where(mail_outbox.c.id == tried).values(attempts=2))
        conn.execute(update(mail_outbox).where(mail_outbox.c.id == sent).values(status="sent"))
    waits = retry_waits(settings.mail_max_attempts)
    with engine.connect() as conn:
        outbox = MailOutbox(conn)
        assert outbox.pending_ids(utcnow() - timedelta(seconds=30), 10, waits) == []
        assert outbox.pending_ids(utcnow() + timedelta(seconds=1), 10, waits) == [fresh]
        assert set(outbox.pending_ids(utcnow() + waits[1] + timedelta(seconds=1), 10, waits)) == {fresh, tried}
    engine.dispose()


def test_transports_come_from_the_mail_url(tmp_path):
    smtp_transport = transport_for("smtp://mail.example:2525")
    assert isinstance(smtp_transport, SmtpTransport) and (smtp_transport.host, smtp_transport.port) == \
        ("mail.example", 2525)
    assert transport_for("smtp://mail.example").port == 25
    assert transport_for(f"file://{tmp_path}/out").folder == tmp_path / "out"
    assert transport_for("file://var/outbox").folder.as_posix() == "var/outbox"
    with pytest.raises(ValueError, match="'https'") as refused:
        transport_for("https://user:secret@mail.example")
    assert "secret" not in str(refused.value)
    settings = make_settings(tmp_path / "var", None, None)
    default = transport_for(settings.effective_mail_url)
    assert isinstance(default, FileTransport) and default.folder == (tmp_path / "var" / "outbox").resolve()
    assert create_app(settings).conf.beat_schedule["sweep-mail-outbox"]["task"] == SWEEP_MAIL


def stack_with_outbox(stack, tmp_path):
    """The stack, mailing to a folder, its store's schema up to date (the embedded one starts empty)."""
    engine = make_engine(stack.effective_database_url)
    upgrade(engine)
    engine.dispose()
    return stack.model_copy(update={"mail_url": f"file://{tmp_path / 'outbox'}"})


def _count_file_sends(monkeypatch) -> list[UUID]:
    sent, original = [], mail_module.FileTransport.send

    def counting(self, mail_id, message):
        sent.append(mail_id)
        original(self, mail_id, message)

    monkeypatch.setattr(mail_module.FileTransport, "send", counting)
    return sent


def test_the_task_sends_a_mail_published_twice_once(stack, tmp_path, monkeypatch):
    settings = stack_with_outbox(stack, tmp_path)
    sends = _count_file_sends(monkeypatch)
    app = create_app(settings)
    mail_id = enqueue(settings)
    assert publish_mail(app, settings.queue, mail_id) and publish_mail(app, settings.queue, mail_id)
    if settings.is_embedded_broker:  # the message on the wire carries the mail id and nothing else
        wire = b"".join(p.read_bytes() for p in settings.broker_folder.rglob("*") if p.is_file())
        assert str(mail_id).encode() in wire and TOKEN.encode() not in wire and b"bob@" not in wire
    with thread_worker(app):
        wait_until(lambda: mail_row(settings, mail_id).status == "sent", "the mail to be sent")
        marker = enqueue(settings)  # published after both copies: sent once they are handled
        publish_mail(app, settings.queue, marker)
        wait_until(lambda: mail_row(settings, marker).status == "sent", "the mail to be sent")
    assert sends == [mail_id, marker]
    names = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert names == sorted([f"{mail_id}.eml", f"{marker}.eml"])
    written = (tmp_path / "outbox" / f"{mail_id}.eml").read_bytes()
    assert email.message_from_bytes(written, policy=email.policy.default).get_content() == BODY


def test_the_sweep_sends_a_mail_whose_task_was_lost(stack, tmp_path):
    settings = stack_with_outbox(stack, tmp_path)
    app = create_app(settings)
    lost = enqueue(settings)  # written, but its task never published
    uow = app.envadmin_runtime.unit_of_work
    assert sweep_mail_outbox(app, uow, settings) == 0  # younger than the relay timeout
    later = Runtime(settings, FixedClock(utcnow() + timedelta(seconds=settings.relay_after_seconds + 1)))
    with thread_worker(app):
        assert sweep_mail_outbox(app, later.unit_of_work, settings) == 1
        wait_until(lambda: mail_row(settings, lost).status == "sent", "the mail to be sent")
    assert (tmp_path / "outbox" / f"{lost}.eml").exists()
    assert sweep_mail_outbox(app, later.unit_of_work, settings) == 0


def test_the_task_retries_a_failing_mail_then_fails_it(stack, tmp_path):
    settings = stack_with_outbox(stack, tmp_path).model_copy(update={
        "mail_url": f"smtp://127.0.0.1:{free_port()}", "mail_max_attempts": 2})
    app = create_app(settings)
    mail_id = enqueue(settings)
    with thread_worker(app):
        publish_mail(app, settings.queue, mail_id)
        wait_until(lambda: mail_row(settings, mail_id).status == "failed", "the mail to be failed")
    row = mail_row(settings, mail_id)
    assert row.attempts == 2 and "ConnectionRefusedError" in row.reason


def test_on_redis_commands_waiting_are_applied_before_mails_are_sent(tmp_path, redis_broker_url, pg_database_url):
    """The mail batch is queued first, the command after it; the worker still applies the command first."""
    from messaging.broker import publish_mails
    from producers.services.client import Client
    from store.tables import commands

    from ..support.builders import account_with_admin
    from ..support.services import empty_store

    empty_store(pg_database_url)
    settings = make_settings(tmp_path / "var", pg_database_url, redis_broker_url,
                             mail_url=f"file://{tmp_path / 'outbox'}")
    app = create_app(settings)
    mail_id = enqueue(settings)
    assert publish_mails(app, settings.queue, [mail_id]) == 1
    client = Client(settings)
    command = account_with_admin("1001", "alice@example.com")
    client.submit([command])
    with thread_worker(app):
        wait_until(lambda: mail_row(settings, mail_id).status == "sent", "the mail to be sent")
    with client.engine.connect() as conn:
        applied_at = conn.execute(select(commands.c.finished_at).where(commands.c.id == command.id)).scalar_one()
    client.close()
    assert applied_at is not None and applied_at < mail_row(settings, mail_id).sent_at
