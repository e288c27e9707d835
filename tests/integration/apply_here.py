"""Commands applied here and now, as a worker applies them, without a broker: for tests of the store's side."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from producers.services.client import Client, new_command
from store.engine import make_engine
from store.invite_mail import InviteMailWriter
from store.reads import queries
from store.unit_of_work import SqlUnitOfWork
from workers.apply import apply_message
from workers.runtime import Runtime, invite_limits

from ..support.builders import account_with_admin
from ..support.stack_settings import make_settings


def applier(database_url, tmp_path, **settings):
    """Settings, an engine, and a function applying commands here and now as a worker does (no broker)."""
    settings = make_settings(tmp_path / "var", database_url, None, **settings)
    engine = make_engine(database_url)
    writer = InviteMailWriter(Runtime(settings).master_keys().current, settings.public_url)
    factory = lambda: SqlUnitOfWork(engine, writer, timedelta(days=7), invite_limits(settings))  # noqa: E731

    def apply(*commands):
        with factory() as uow:
            uow.log.record_submitted(list(commands), datetime.now(timezone.utc))
            uow.commit()
        apply_message({"v": 1, "commands": [c.model_dump(mode="json") for c in commands]}, factory,
                      max_attempts=5, chunk=500, lease=timedelta(seconds=60))
        return [queries.command_status(engine, c.id)["status"] for c in commands]

    return settings, engine, factory, apply


def invite(email: str, account: str = "1001", by: str = "alice@example.com"):
    return new_command("invite_user", actor=by, source="cli", account=account, email=email)


def apply_now(client: Client, *payloads: dict, deferred=lambda payloads, countdown: None):
    """Deliver commands to the applier here and now, in this order (as a worker would, one message each)."""
    factory = lambda: SqlUnitOfWork(client.engine)  # noqa: E731
    for payload in payloads:
        report = apply_message({"v": 1, "commands": [payload]}, factory, max_attempts=5, chunk=500,
                               lease=timedelta(seconds=60), deferred=deferred)
    return report


def open_account(client: Client, number: str, admin: str) -> None:
    """The account with its first admin, submitted through the client and applied here."""
    command = account_with_admin(number, admin)
    client.submit([command])
    apply_now(client, command.model_dump(mode="json"))
