"""Outcome events, on SQLite and PostgreSQL: one per status a key's command takes, in the transaction that writes
the status; none for commands no key submitted; a pending grant's second outcome when its invitee's user is added
or its invite expires; a delivery in the outbox only for a key with a callback."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from domain.api_keys import key_id_of
from producers.services.client import new_command
from store.api_keys import create_key
from store.expiry import expire_invites
from store.outcome_events import feed
from store.tables import commands, webhook_deliveries
from store.unit_of_work import SqlUnitOfWork
from workers.apply import apply_message
from workers.runtime import Runtime

from ..support.builders import account_with_admin, add_user, grant
from .apply_here import applier
from .migrations import migrate

ALICE = "alice@example.com"
NOW = datetime.now(timezone.utc)


@pytest.fixture
def keyed(database_url, tmp_path):
    """Account 1001 (Alice its administrator), a key with a callback and one without; apply(key_id, *commands)
    journals the commands as that key's and applies them as a worker does."""
    settings, engine, factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin("1001", ALICE)) == ["applied"]
    keys = Runtime(settings).master_keys()
    hooked = create_key(engine, keys, "hooked", NOW, accounts=["1001"], by=ALICE, callback_url="https://h.example/")
    plain = create_key(engine, keys, "plain", NOW, accounts=["1001"], by=ALICE)

    def apply_keyed(key_id, *cmds):
        with factory() as uow:
            uow.log.record_submitted(list(cmds), uow.clock.now(), key_id)
            uow.commit()
        apply_message({"v": 1, "commands": [c.model_dump(mode="json") for c in cmds]}, factory,
                      max_attempts=5, chunk=500, lease=timedelta(seconds=60))

    yield engine, apply_keyed, apply, key_id_of(hooked.key), key_id_of(plain.key)
    engine.dispose()


def deliveries(engine):
    with engine.connect() as conn:
        return conn.execute(select(webhook_deliveries).order_by(webhook_deliveries.c.id)).all()


def test_each_outcome_of_a_keys_command_is_one_event_and_one_delivery_for_a_key_with_a_callback(keyed):
    engine, apply_keyed, apply, hooked, plain = keyed
    bob, mallory = add_user("bob@example.com"), grant("mallory@example.com", by="eve@example.com")
    apply_keyed(hooked, bob, mallory)
    apply(add_user("carol@example.com"))  # no key: no event
    page = feed(engine, hooked, None, 100)
    assert [(e.command_id, e.type, e.status) for e in page.events] == [
        (bob.id, "command.applied", "applied"), (mallory.id, "command.rejected", "rejected")]
    body = page.events[1].as_json()
    assert body["reason"] == "eve@example.com is not an administrator of account 1001"
    assert (body["id"], body["account"], body["command_type"]) == (str(mallory.id), "1001", "grant_admin")
    assert [(d.state, d.attempts, d.target, d.channel) for d in deliveries(engine)] == \
        [("waiting", 0, "https://h.example/", "webhook")] * 2
    with engine.connect() as conn:
        assert conn.execute(select(commands.c.api_key_id).where(commands.c.id == bob.id)).scalar() == hooked
    apply_keyed(plain, add_user("dan@example.com"))
    assert len(feed(engine, plain, None, 100).events) == 1 and len(deliveries(engine)) == 2
    assert len(feed(engine, None, None, 100).events) == 3  # support's feed: every key's


def test_a_pending_grant_has_a_second_event_when_its_user_is_added(keyed):
    engine, apply_keyed, apply, hooked, _ = keyed
    held = grant("nobody@example.com")
    apply_keyed(hooked, held)
    apply(add_user("nobody@example.com"))  # Alice adds the user: the pending grant is retried and applied
    events = feed(engine, hooked, None, 100).events
    assert [(e.command_id, e.type) for e in events] == [(held.id, "command.pending"), (held.id, "command.applied")]
    assert "retried as command" in events[1].reason


def test_a_pending_grant_whose_invite_lapses_has_an_expired_event(keyed):
    engine, apply_keyed, _, hooked, _ = keyed
    apply_keyed(hooked, grant("nobody@example.com"))
    with engine.begin() as conn:
        assert expire_invites(conn, NOW + timedelta(days=30)) == 1
    assert [e.type for e in feed(engine, hooked, None, 100).events] == ["command.pending", "command.expired"]


def test_the_feed_pages_after_a_position(keyed):
    engine, apply_keyed, _, hooked, _ = keyed
    apply_keyed(hooked, *[add_user(f"user{n}@example.com") for n in range(5)])
    first = feed(engine, hooked, None, 2)
    rest = feed(engine, hooked, first.last_seq, 10)
    assert len(first.events) == 2 and len(rest.events) == 3
    assert feed(engine, hooked, rest.last_seq, 10).events == []


def test_the_migration_adds_the_tables_and_takes_them_away(fresh_engine):
    migrate(fresh_engine, "0022o")
    tables = set(inspect(fresh_engine).get_table_names())
    assert {"outcome_events", "webhook_deliveries"} <= tables
    migrate(fresh_engine, "0021r", down=True)
    assert not {"outcome_events", "webhook_deliveries"} & set(inspect(fresh_engine).get_table_names())
    assert "api_key_id" not in {c["name"] for c in inspect(fresh_engine).get_columns("commands")}


def test_a_pending_grant_cancelled_by_a_later_command_has_a_superseded_event(keyed):
    engine, apply_keyed, apply, hooked, _ = keyed
    apply_keyed(hooked, grant("nobody@example.com"))
    apply(new_command("cancel_invite", actor=ALICE, source="cli", account="1001", email="nobody@example.com"))
    events = feed(engine, hooked, None, 100).events
    assert [e.type for e in events] == ["command.pending", "command.superseded"]


def test_a_dead_lettered_command_has_a_failed_event(keyed):
    engine, _, _, hooked, _ = keyed
    lost = add_user("bob@example.com")
    with SqlUnitOfWork(engine) as uow:
        uow.log.record_submitted([lost], NOW, hooked)
        uow.log.dead_letter(lost.id, "unexpected error X (attempt 5 of 5)", lost.model_dump(mode="json"), NOW)
        uow.commit()
    [event] = feed(engine, hooked, None, 100).events
    assert (event.command_id, event.type, event.reason) == (lost.id, "command.failed",
                                                            "unexpected error X (attempt 5 of 5)")
