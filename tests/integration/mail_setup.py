"""Invite mail for the tests of its outbox and transports: a mail queued in the outbox as a grant queues it, the
row it is kept in, settings with a mail transport, and an SMTP server (aiosmtpd) that keeps what it receives."""
from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import os
from datetime import datetime, timezone
from uuid import UUID

from aiosmtpd.controller import Controller
from sqlalchemy import select

from domain.master_keys import MasterKeys
from store.engine import make_engine
from store.mail_outbox import MailOutbox
from store.tables import mail_outbox

from ..support.services import free_port
from ..support.stack_settings import make_settings

TOKEN = "reg-token-" + "Zx9" * 10
BODY = f"Register here: http://localhost:8000/register/{TOKEN}\n"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Collector:
    """An aiosmtpd handler keeping every message it accepts, optionally slow to answer."""

    def __init__(self, delay: float = 0.0):
        self.delay, self.messages, self.sessions = delay, [], 0
        self.received: list[tuple[bytes, list[str]]] = []  # each message as it arrived, and its MAIL FROM options

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1  # once per connection: smtplib greets once, then sends each mail
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        self.received.append((envelope.content, list(envelope.mail_options)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def smtp_server(delay: float = 0.0):
    """A started SMTP server on a free port, and the collector of what it receives."""
    collector = Collector(delay)
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, collector


def mail_settings(tmp_path, database_url, mail_url=None, **extra):
    key = base64.b64encode(os.urandom(32)).decode()
    return make_settings(tmp_path / "var", database_url, None, master_key=key,
                         mail_url=mail_url or f"file://{tmp_path / 'outbox'}", **extra)


def master_keys(settings) -> MasterKeys:
    return MasterKeys.from_secrets(*settings.master_key_secrets())


def enqueue(settings, invite_id=None, to="bob@example.com") -> UUID:
    engine = make_engine(settings.effective_database_url)
    with engine.begin() as conn:
        mail_id = MailOutbox(conn).enqueue(to, "Invitation to account 1001", BODY, invite_id,
                                           master_keys(settings).current, utcnow())
    engine.dispose()
    return mail_id


def mail_row(settings, mail_id):
    engine = make_engine(settings.effective_database_url)
    with engine.connect() as conn:
        row = conn.execute(select(mail_outbox).where(mail_outbox.c.id == mail_id)).one()
    engine.dispose()
    return row
