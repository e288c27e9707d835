"""A chunk reads what its own commands touch, through indexes whose cost does not grow with the job.

On PostgreSQL, where the plan is chosen by the statistics: a chunk's read of memberships once scanned every
member of the chunk's accounts (`account = ANY(...)` won over the email index), so each chunk of a 1,000,000-row
job read more than the one before.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timezone
from uuid import uuid4

import pytest
from sqlalchemy import event, insert

from store.chunk_repository import ChunkRepository
from store.command_log import SqlCommandLog
from store.engine import make_engine
from store.migrate import upgrade
from store.tables import accounts, groups, memberships, metadata, users

from ..support.services import new_pg_database

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
MEMBERS = 20_000


@pytest.fixture
def crowded_account(pg_database_url):
    """Account 1001, whose admins group holds many members, analyzed as a long job leaves it."""
    engine = make_engine(pg_database_url)
    with engine.begin() as conn:  # the session's database: other tests leave their rows
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    keys = [f"member{i}@acme.example" for i in range(MEMBERS)]
    with engine.begin() as conn:
        conn.execute(insert(accounts), [{"number": "1001", "name": "Acme", "created_at": NOW}])
        conn.execute(insert(groups), [{"account": "1001", "name_key": "admins", "name": "Admins", "id": uuid4(),
                                       "created_at": NOW}])
        conn.execute(insert(users), [{"email_key": key, "email": key, "first_name": "A", "last_name": "B",
                                      "password_hash": None, "password_expired": False, "created_at": NOW}
                                     for key in keys])
        conn.execute(insert(memberships), [{"account": "1001", "group_key": "admins", "email_key": key}
                                           for key in keys])
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    yield engine, keys
    engine.dispose()


@contextmanager
def statements_run(conn, verb: str, naming: str = ""):
    """The statements run on `conn` meanwhile that begin with `verb` and hold `naming`, with their parameters."""
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if naming in statement and statement.lstrip().upper().startswith(verb):
            seen.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(conn, "before_cursor_execute", capture)


def plans_of(conn, statements) -> list[str]:
    return ["\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
            for statement, parameters in statements]


def test_a_chunk_reads_the_memberships_of_its_people_not_of_its_accounts(crowded_account):
    engine, keys = crowded_account
    with engine.connect() as conn:
        repo = ChunkRepository(conn, None, None, datetime.now(timezone.utc))
        with statements_run(conn, "SELECT", "memberships") as seen:
            repo.prefetch({"1001"}, {keys[7], "new@acme.example"}, {"support"}, set())
        assert repo.is_member("1001", "admins", keys[7])
        assert not repo.is_member("1001", "admins", "new@acme.example")
        plan, = plans_of(conn, seen)
        conn.rollback()

    assert "ix_memberships_email_key" in plan, plan
    assert "pk_memberships" not in plan, plan


@pytest.fixture
def store_never_analyzed():
    """A database of its own, just migrated: its tables have no statistics yet, as during a new store's first job."""
    with new_pg_database("envadmin_test_fresh") as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


def test_a_chunk_reads_users_by_their_key_while_the_table_has_no_statistics(store_never_analyzed):
    engine = store_never_analyzed
    with engine.begin() as conn:  # the users earlier chunks of a job created, not analyzed yet
        conn.exec_driver_sql(
            "INSERT INTO users (email_key, email, first_name, last_name, password_expired, created_at) "
            "SELECT k, k, 'A', 'B', true, now() FROM (SELECT 'person' || g || '@acme.example' AS k "
            "FROM generate_series(1, 40000) AS g) AS keys")
    new_people = {f"new{i}@acme.example" for i in range(500)}
    with engine.connect() as conn:
        repo = ChunkRepository(conn, None, None, datetime.now(timezone.utc))
        with statements_run(conn, "SELECT", "FROM users") as seen:
            repo.prefetch(set(), new_people | {"person7@acme.example"}, set(), set())
        assert repo.get_user("person7@acme.example") is not None
        assert repo.get_user("new3@acme.example") is None
        plans = plans_of(conn, seen)  # in the prefetch's transaction, as planned there
        conn.rollback()

    assert plans
    for plan in plans:
        assert "pk_users" in plan and "Seq Scan" not in plan, plan


@pytest.mark.parametrize("analyzed", [False, True])
def test_a_chunks_statuses_are_written_through_each_commands_key_however_many_are_queued(
        store_never_analyzed, analyzed):
    """The statuses are written only where still queued; that condition once made PostgreSQL read every queued
    command of a 100,000-row job (through the index of queued rows) for each chunk of 400."""
    engine = store_never_analyzed
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO commands (id, type, account, actor, source, correlation_id, issued_at, payload, status, "
            "attempts, position, submitted_at, job_line) SELECT gen_random_uuid(), 'add_user', '1001', 'support', "
            "'job', 'job', now(), '{}', 'queued', 0, g, now(), g FROM generate_series(1, 40000) AS g")
    if analyzed:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE commands")
    with engine.connect() as conn:
        chunk = conn.exec_driver_sql("SELECT id, issued_at FROM commands WHERE job_line <= 400").all()
        with statements_run(conn, "UPDATE") as seen:
            written = SqlCommandLog(conn).finish_queued([
                {"id": command_id, "issued_at": issued_at, "status": "applied", "reason": None, "finished_at": NOW}
                for command_id, issued_at in chunk])
        plan, = plans_of(conn, seen)
        conn.rollback()

    assert written
    # Only the month the chunk's commands were issued in, through its primary key
    this_month = f"commands_{chunk[0].issued_at.astimezone(timezone.utc):%Y_%m}"
    assert re.findall(r"Update on (commands_\w+)", plan) == [this_month], plan
    assert f"{this_month}_pkey" in plan and "coalesce_idx" not in plan, plan
    assert "job_id_status" not in plan and "Seq Scan on commands" not in plan, plan
