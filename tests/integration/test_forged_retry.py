"""A journalled retry settles only the pending grant the system retried: same account, email and group.

The producers cannot send `retry_of` (tests/unit/test_internal_fields.py); this is the second line, for a command
that reaches the command log some other way. Such commands are built here as the log holds them
(parse_command(journalled)).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from domain.commands import parse_command
from producers.services.client import Client
from store.reads import queries
from store.unit_of_work import SqlUnitOfWork
from workers.apply import apply_message
from workers.runtime import Runtime

from ..support.builders import account_with_admin, add_user, grant
from ..support.stack_settings import make_settings

ALICE, EVE, CAROL = "alice@example.com", "eve@evil.example", "carol@example.com"


@pytest.fixture
def store(database_url, tmp_path):
    settings = make_settings(tmp_path / "var", database_url, None)
    client = Client(settings)
    yield client, Runtime(settings).unit_of_work
    client.close()


def journal_and_apply(store, *commands) -> None:
    client, unit_of_work = store
    with SqlUnitOfWork(client.engine) as uow:
        uow.log.record_submitted(list(commands), datetime.now(timezone.utc))
        uow.commit()
    apply_message({"v": 1, "commands": [c.model_dump(mode="json") for c in commands]}, unit_of_work,
                  max_attempts=5, chunk=500, lease=timedelta(seconds=60))


def journalled_retry(account: str, actor: str, email: str, retry_of: UUID):
    """A grant carrying retry_of, as a command log row could hold it."""
    now = datetime.now(timezone.utc)
    return parse_command({"type": "grant_admin", "id": str(uuid4()), "issued_at": now.isoformat(),
                          "actor": actor, "source": "cli", "correlation_id": "forged", "account": account,
                          "email": email, "retry_of": str(retry_of)}, journalled=True)


def status(store, command_id: UUID) -> str:
    return queries.command_status(store[0].engine, command_id)["status"]


def test_a_retry_that_names_another_pending_grant_does_not_settle_it(store):
    pending = grant(CAROL)
    journal_and_apply(store, account_with_admin("1001", ALICE), account_with_admin("2002", EVE), pending)
    assert status(store, pending.id) == "pending"
    forged = [
        journalled_retry("2002", EVE, EVE, pending.id),  # another account: applied (nothing changed)
        journalled_retry("2002", EVE, CAROL, pending.id),  # another account: refused (no such user)
        journalled_retry("1001", ALICE, ALICE, pending.id),  # the same account, another email
        journalled_retry("1001", ALICE, CAROL, pending.id),  # the very grant, but the system never retried it
    ]
    for command in forged:
        journal_and_apply(store, command)
        assert status(store, command.id) in ("applied", "rejected")
        assert status(store, pending.id) == "pending", command

    journal_and_apply(store, add_user(CAROL))  # the system retries it: that retry settles it
    shown = queries.command_status(store[0].engine, pending.id)
    assert shown["status"] == "applied", shown
    assert shown["reason"].startswith(f"{CAROL} is now an administrator of account 1001.")
