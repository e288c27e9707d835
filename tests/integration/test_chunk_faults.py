"""A chunk meets a fault: a refusal after a write, a transient error, a unique-key race, the soft time limit.

Each test applies a message here, in the test, with the worker's own applier (workers.apply) on the real
store (SQLite and PostgreSQL); the fault is injected by wrapping the domain's handler, which is the one
thing a message cannot make fail on demand.
"""
from __future__ import annotations

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

import workers.apply
from domain.clock import SYSTEM_CLOCK
from domain.errors import Refused
from domain.handlers import handle
from producers.services.client import new_command
from store.bulk_sql import insert_rows
from store.engine import make_engine
from store.tables import commands, groups, users
from workers.failure_kinds import is_transient

from ..support.builders import add_user
from .chunk_delivery import ALICE, deliver, journal, row


def group_exists(engine, name: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(groups.c.name).where(groups.c.name == name)).first() is not None


def failing_once(error: Exception):
    """The domain's handler, but the first call raises `error` instead."""
    raised = []

    def handler(cmd, repo, now):
        if not raised:
            raised.append(error)
            raise error
        return handle(cmd, repo, now)

    return handler


def create_group(name: str):
    return new_command("create_group", actor=ALICE, source="cli", account="1001", group=name)


def test_a_refusal_keeps_nothing_its_handler_wrote_before_it(engine, account, monkeypatch):
    def writes_then_refuses(cmd, repo, now):
        handle(cmd, repo, now)  # the group is written...
        raise Refused("refused after writing")  # ...then a rule refuses the command

    monkeypatch.setattr(workers.apply, "handle", writes_then_refuses)
    command = create_group("Sales")
    journal(engine, command)

    deliver(engine, command)

    assert (row(engine, command.id).status, row(engine, command.id).reason) == ("rejected", "refused after writing")
    assert not group_exists(engine, "Sales")


def test_a_transient_error_gives_the_claims_back_so_the_retry_applies_at_once(engine, account, monkeypatch):
    command = create_group("Sales")
    journal(engine, command)
    monkeypatch.setattr(workers.apply, "handle", failing_once(
        OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))))
    with pytest.raises(OperationalError):
        deliver(engine, command)  # Celery retries the task on this

    status, attempts, lease_until, _ = row(engine, command.id)
    assert (status, attempts, lease_until) == ("queued", 0, None)  # no attempt spent, no lease left
    deliver(engine, command)  # the retry, at once
    assert row(engine, command.id)[:2] == ("applied", 1)


def test_a_unique_key_race_is_not_transient_and_the_command_is_decided_on_its_own(engine, account, monkeypatch):
    command = create_group("Sales")
    journal(engine, command)
    # another worker inserted the same group first, once
    monkeypatch.setattr(workers.apply, "handle", failing_once(
        IntegrityError("INSERT INTO groups", {}, Exception("duplicate key value"))))

    deliver(engine, command)

    assert not is_transient(IntegrityError("INSERT", {}, Exception("duplicate key value")))
    assert row(engine, command.id)[:2] == ("applied", 1)
    assert group_exists(engine, "Sales")


def test_the_soft_time_limit_abandons_the_chunk_instead_of_failing_a_command(engine, account, monkeypatch):
    command = create_group("Sales")
    journal(engine, command)

    def out_of_time(cmd, repo, now):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(workers.apply, "handle", out_of_time)
    with pytest.raises(SoftTimeLimitExceeded):
        deliver(engine, command)

    status, attempts, _, reason = row(engine, command.id)
    assert (status, attempts, reason) == ("queued", 1, None)  # counted like a crash, not noted as its error



def test_a_command_a_copy_applied_elsewhere_after_the_claim_is_not_applied_again(engine, account, monkeypatch):
    """The set-based path takes the commands it claimed to be queued; another worker whose lease on a copy came
    first commits one of them after this claim: the chunk is rolled back and applied one by one."""
    people = [add_user(f"user{i}@example.com") for i in range(3)]
    journal(engine, *people)
    taken = people[1]
    claim = workers.apply.claim

    def the_other_worker_commits_after_the_claim(*args, **kwargs):
        claimed = claim(*args, **kwargs)
        with engine.begin() as conn:
            conn.execute(commands.update().where(commands.c.id == taken.id)
                         .values(status="applied", reason="applied by the other worker"))
        return claimed

    monkeypatch.setattr(workers.apply, "claim", the_other_worker_commits_after_the_claim)
    report = deliver(engine, *people)

    assert report.statuses == {"applied": 2, "already_applied": 1}
    assert row(engine, taken.id).reason == "applied by the other worker"  # its status was not written again
    assert [row(engine, person.id).status for person in people] == ["applied"] * 3
    with engine.connect() as conn:
        made = conn.execute(select(users.c.email_key).where(users.c.email_key.like("user%"))).scalars().all()
    assert sorted(made) == ["user0@example.com", "user2@example.com"]  # user1 is the other worker's to make

BROKEN_STORE = {  # a store that refuses every new user: a fault no rule of envadmin explains
    "sqlite": ["CREATE TRIGGER refuse_users BEFORE INSERT ON users BEGIN SELECT RAISE(ABORT, 'broken store'); END"],
    "postgresql": ["CREATE FUNCTION refuse_users() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'broken store'; "
                   "END $$ LANGUAGE plpgsql",
                   "CREATE TRIGGER refuse_users BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_users()"],
}
REPAIR = {"sqlite": ["DROP TRIGGER refuse_users"],
          "postgresql": ["DROP TRIGGER refuse_users ON users", "DROP FUNCTION refuse_users()"]}


def test_an_unexpected_error_reaches_users_as_an_error_id_without_the_statement_or_its_values(
        engine, account, caplog):
    secret = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0$aGFzaA"
    with engine.begin() as conn:
        for statement in BROKEN_STORE[engine.dialect.name]:
            conn.execute(text(statement))
    command = new_command("add_user", actor=ALICE, source="cli", account="1001", email="bob@example.com",
                          first_name="Bob", last_name="B", password_hash=secret)
    journal(engine, command)
    try:
        deliver(engine, command)
        status, _, _, reason = row(engine, command.id)
    finally:
        with engine.begin() as conn:
            for statement in REPAIR[engine.dialect.name]:
                conn.execute(text(statement))

    assert status == "queued" and reason.startswith("unexpected error") and "error id" in reason, reason
    assert secret not in reason and "INSERT" not in reason and "bob@example.com" not in reason
    logged = "\n".join(record.getMessage() + str(record.exc_info and record.exc_info[1]) for record in caplog.records)
    assert reason.split("error id ")[1][:12] in logged  # the log has the detail, under the same id...
    assert "INSERT INTO users" in logged and secret not in logged  # ...the statement, without its values


def test_errors_of_the_store_never_carry_the_statement_parameters(database_url):
    engine = make_engine(database_url)
    with pytest.raises(Exception) as raised, engine.connect() as conn:
        conn.execute(text("SELECT no_such_column FROM users WHERE email_key = :key"), {"key": "bob@example.com"})
    engine.dispose()
    assert "bob@example.com" not in str(raised.value)
    plain = create_engine(database_url.replace("+psycopg", "+psycopg") if "postgresql" in database_url
                          else database_url)  # what hide_parameters changes: without it, the value shows
    with pytest.raises(Exception) as shown, plain.connect() as conn:
        conn.execute(text("SELECT no_such_column FROM users WHERE email_key = :key"), {"key": "bob@example.com"})
    plain.dispose()
    assert "bob@example.com" in str(shown.value)


def user_row(email: str, **fields) -> dict:
    """A users row as the chunk repository writes it."""
    return {"email_key": email.lower(), "email": email, "first_name": "F", "last_name": "S", "password_hash": None,
            "password_expired": False, "created_by_account": None, "created_at": SYSTEM_CLOCK.now(), **fields}


def test_a_set_based_insert_that_breaks_a_key_raises_the_stores_own_integrity_error(engine):
    """On PostgreSQL new rows go in by COPY, outside SQLAlchemy's statements: its errors must still reach the
    worker as SQLAlchemy's (an IntegrityError is what sends a chunk down the one-by-one path), values hidden."""
    with engine.connect() as conn:
        insert_rows(conn, users, [user_row("dup@example.com", password_hash="$argon2id$secret-hash")])
        with pytest.raises(IntegrityError) as raised:
            insert_rows(conn, users, [user_row("Dup@example.com", password_hash="$argon2id$secret-hash")])
        conn.rollback()
    assert "$argon2id$secret-hash" not in str(raised.value) and "Dup@example.com" not in str(raised.value)


def test_a_set_based_insert_opening_a_transaction_is_committed_with_it(engine):
    with engine.connect() as conn:
        insert_rows(conn, users, [user_row("first@example.com")])  # the connection's first statement
        conn.commit()
    with engine.connect() as conn:
        assert conn.execute(select(users.c.email).where(users.c.email_key == "first@example.com")).scalar() \
            == "first@example.com"
