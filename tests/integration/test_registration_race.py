"""Registration and grants of the same email on PostgreSQL, two threads: a grant is never left pending."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import text

from producers.services.client import Client
from producers.services.invite_registration import register_with_token
from store.engine import make_engine
from store.mail_outbox import MailOutbox
from store.reads import queries
from store.unit_of_work import SqlUnitOfWork
from workers.apply import apply_message
from workers.runtime import Runtime

from ..support.builders import account_with_admin, grant
from ..support.services import empty_store
from ..support.sql import count_rows
from ..support.waiting import wait_until
from .apply_here import applier, invite

STRANGER = "Nobody@Example.com"
PASSWORD = "a-permanent-passw0rd"


GATE = 0x6761  # the advisory lock the test holds to stop a grant inside its transaction


@contextmanager
def gate_on_pending_grants(url: str):
    """While the yielded connection holds advisory lock GATE, inserting a pending grant waits for it."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE FUNCTION wait_at_gate() RETURNS trigger AS $$ BEGIN "
                          f"PERFORM pg_advisory_lock_shared({GATE}); PERFORM pg_advisory_unlock_shared({GATE}); "
                          f"RETURN NEW; END $$ LANGUAGE plpgsql"))
        conn.execute(text("CREATE TRIGGER wait_at_gate BEFORE INSERT ON pending_grants "
                          "FOR EACH ROW EXECUTE FUNCTION wait_at_gate()"))
    try:
        with engine.connect() as gate:
            gate.execute(text(f"SELECT pg_advisory_lock({GATE})"))
            gate.commit()
            yield gate
            gate.execute(text("SELECT pg_advisory_unlock_all()"))
            gate.commit()
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS wait_at_gate ON pending_grants"))
            conn.execute(text("DROP FUNCTION IF EXISTS wait_at_gate()"))
        engine.dispose()


def waiting_on_advisory_locks(gate) -> int:
    """How many sessions wait for an advisory lock (the gate, or an email's lock)."""
    waiting = gate.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar()
    gate.commit()
    return waiting


def mailed_token(engine, settings) -> str:
    with engine.begin() as conn:
        [mail_id] = conn.execute(text("SELECT id FROM mail_outbox")).scalars().all()
        body = MailOutbox(conn).begin_sending(mail_id, Runtime(settings).master_keys()).content.text
    return token_of_body(body)


def token_of_body(body: str) -> str:
    return re.search(r"/register/([A-Za-z0-9_\-]+)", body).group(1)


@pytest.mark.parametrize("held", [grant, invite], ids=["grant (set-based)", "invite (one at a time)"])
def test_a_grant_committing_while_its_invitee_registers_is_retried_not_left_pending(
        pg_database_url, tmp_path, held):
    """PostgreSQL, two threads: a grant of account 1002 has read "no user" and is about to write its pending
    grant when the invitee registers with the invite of account 1001. The grant must either be seen by the
    registration (and retried) or see the new user."""
    empty_store(pg_database_url)
    settings, engine, factory, apply = applier(pg_database_url, tmp_path)
    apply(account_with_admin(), account_with_admin("1002", "bob@example.com"))
    assert apply(grant(STRANGER)) == ["pending"]
    token = mailed_token(engine, settings)
    racing = held(STRANGER, account="1002", by="bob@example.com")
    client = Client(settings)
    with gate_on_pending_grants(pg_database_url) as gate, ThreadPoolExecutor(max_workers=2) as pool:
        granting = pool.submit(apply, racing)
        wait_until(lambda: waiting_on_advisory_locks(gate) == 1, "the grant to wait at the gate")
        registering = pool.submit(register_with_token, client, token, "No", "Body", PASSWORD)
        # Unlocked, the registration commits now, before the grant; serialized, it waits for the grant.
        wait_until(lambda: registering.done() or waiting_on_advisory_locks(gate) == 2,
                   "the registration to end or wait")
        gate.execute(text(f"SELECT pg_advisory_unlock({GATE})"))
        gate.commit()
        assert granting.result(timeout=30) == ["pending"]
        registered = registering.result(timeout=30)
    apply_message({"v": 1, "commands": [r.model_dump(mode="json") for r in registered.retries]}, factory,
                  max_attempts=5, chunk=500, lease=timedelta(seconds=60))
    assert count_rows(pg_database_url, "SELECT count(*) FROM pending_grants WHERE status = 'pending'") == 0
    assert STRANGER in queries.admins(engine, "1001") and STRANGER in queries.admins(engine, "1002")
    assert queries.command_status(engine, racing.id)["status"] == "applied"
    client.close()
    engine.dispose()


def test_an_emails_lock_is_taken_again_after_the_savepoint_that_took_it_rolls_back(pg_database_url):
    engine = make_engine(pg_database_url)
    held = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND mode = 'ShareLock' AND granted")
    with SqlUnitOfWork(engine) as uow:
        with pytest.raises(RuntimeError):
            with uow.savepoint():
                uow.repo.get_user("x@example.com")
                assert uow.conn.execute(held).scalar() == 1
                raise RuntimeError("a command failing after it read the email")
        assert uow.conn.execute(held).scalar() == 0  # PostgreSQL released it with the savepoint
        uow.repo.pending_grants("x@example.com")
        assert uow.conn.execute(held).scalar() == 1
    engine.dispose()
