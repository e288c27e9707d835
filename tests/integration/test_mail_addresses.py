"""International addresses over SMTP: IDN domains in A-labels; a non-ASCII local part needs SMTPUTF8, or fails at once."""
from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from uuid import uuid4

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import insert, select

from store.engine import make_engine
from store.tables import invites
from workers.runtime import Runtime
from workers.sender import send_batch, send_one

from ..support.services import free_port
from .mail_setup import enqueue, mail_row, mail_settings, utcnow


class Recorder:
    """An aiosmtpd handler keeping each accepted envelope: its recipients, its SMTPUTF8 flag, its message."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.envelopes.append((envelope.rcpt_tos, envelope.smtp_utf8, message))
        return "250 Message accepted for delivery"


@pytest.fixture(params=[False, True], ids=["plain-server", "smtputf8-server"])
def server(request):
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=request.param)
    controller.start()
    recorder.url, recorder.smtputf8 = f"smtp://127.0.0.1:{controller.port}", request.param
    yield recorder
    controller.stop()


def pending_invite(settings, address: str):
    invite_id, now = uuid4(), utcnow()
    engine = make_engine(settings.effective_database_url)
    with engine.begin() as conn:
        conn.execute(insert(invites).values(
            id=invite_id, account="1001", email_key=address, email=address, invited_by="alice@example.com",
            status="pending", token_hash=uuid4().hex, created_at=now, expires_at=now + timedelta(days=7)))
    engine.dispose()
    return invite_id


def invite_status(settings, invite_id) -> str:
    engine = make_engine(settings.effective_database_url)
    with engine.connect() as conn:
        status = conn.execute(select(invites.c.status).where(invites.c.id == invite_id)).scalar_one()
    engine.dispose()
    return status


def test_an_idn_domain_is_delivered_in_its_a_label_form(database_url, tmp_path, server):
    settings = mail_settings(tmp_path, database_url, server.url)
    mail_id = enqueue(settings, to="idn@B\u00fccher.example")

    assert send_one(mail_id, Runtime(settings).unit_of_work, settings) == "sent"

    [(recipients, _, message)] = server.envelopes
    assert recipients == ["idn@xn--bcher-kva.example"]
    assert message["To"] == "idn@xn--bcher-kva.example"


def test_a_non_ascii_local_part_goes_out_with_smtputf8_or_fails_at_once(database_url, tmp_path, server):
    settings = mail_settings(tmp_path, database_url, server.url, mail_max_attempts=5)
    invite_id = pending_invite(settings, "j\u00f6rg@b\u00fccher.example")
    mail_id = enqueue(settings, invite_id, to="j\u00f6rg@b\u00fccher.example")

    result = send_one(mail_id, Runtime(settings).unit_of_work, settings)

    row = mail_row(settings, mail_id)
    if server.smtputf8:
        assert result == "sent" and row.status == "sent"
        [(recipients, smtputf8, message)] = server.envelopes
        assert recipients == ["j\u00f6rg@xn--bcher-kva.example"] and smtputf8
        assert message["To"] == "j\u00f6rg@xn--bcher-kva.example"
    else:  # no retry can help: failed on the first attempt, its invite with it, the reason saying why
        assert result == "failed" and (row.status, row.attempts) == ("failed", 1)
        assert "SMTPUTF8" in row.reason and "j\u00f6rg@xn--bcher-kva.example" in row.reason
        assert invite_status(settings, invite_id) == "failed"
        assert server.envelopes == []


def test_in_a_batch_the_mail_no_retry_can_deliver_fails_at_once_and_the_others_go(database_url, tmp_path, server):
    settings = mail_settings(tmp_path, database_url, server.url)
    ids = [enqueue(settings, to=address) for address in
           ("ann@example.com", "idn@b\u00fccher.example", "j\u00f6rg@b\u00fccher.example")]
    retried = []

    results = send_batch([str(i) for i in ids], Runtime(settings).unit_of_work, settings, retried.append)

    assert retried == []
    if server.smtputf8:
        assert results == {"sent": 3, "skipped": 0}
    else:
        assert results == {"sent": 2, "skipped": 0, "failed": 1}
        assert (mail_row(settings, ids[2]).status, mail_row(settings, ids[2]).attempts) == ("failed", 1)
    assert sorted(r for recipients, _, _ in server.envelopes for r in recipients)[:2] == [
        "ann@example.com", "idn@xn--bcher-kva.example"]


def test_the_file_transport_writes_the_address_as_smtp_would(database_url, tmp_path):
    settings = mail_settings(tmp_path, database_url)  # file:// outbox
    mail_ids = [enqueue(settings, to="idn@b\u00fccher.example"), enqueue(settings, to="j\u00f6rg@b\u00fccher.example")]

    assert [send_one(i, Runtime(settings).unit_of_work, settings) for i in mail_ids] == ["sent", "sent"]

    written = [(tmp_path / "outbox" / f"{i}.eml").read_bytes() for i in mail_ids]
    assert b"\nTo: idn@xn--bcher-kva.example\n" in written[0]
    assert "\nTo: j\u00f6rg@xn--bcher-kva.example\n".encode() in written[1]  # an RFC 6532 (UTF-8) header
