"""A chunk reads what its own commands touch, through indexes whose cost does not grow with the job.

On PostgreSQL, where the plan is chosen by the statistics: a chunk's read of memberships once scanned every
member of the chunk's accounts (`account = ANY(...)` won over the email index), so each chunk of a 1,000,000-row
job read more than the one before.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import event, insert

from store.chunk_repository import ChunkRepository
from store.engine import make_engine
from store.tables import accounts, groups, memberships, metadata, users

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
        conn.execute(insert(groups), [{"account": "1001", "name_key": "admins", "name": "Admins"}])
        conn.execute(insert(users), [{"email_key": key, "email": key, "first_name": "A", "last_name": "B",
                                      "password_hash": None, "password_expired": False, "created_at": NOW}
                                     for key in keys])
        conn.execute(insert(memberships), [{"account": "1001", "group_key": "admins", "email_key": key}
                                           for key in keys])
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    yield engine, keys
    engine.dispose()


def test_a_chunk_reads_the_memberships_of_its_people_not_of_its_accounts(crowded_account):
    engine, keys = crowded_account
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "memberships" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    with engine.connect() as conn:
        event.listen(conn, "before_cursor_execute", capture)
        repo = ChunkRepository(conn, None, None)
        repo.prefetch({"1001"}, {keys[7], "new@acme.example"}, {"support"}, set())
        event.remove(conn, "before_cursor_execute", capture)
        assert repo.is_member("1001", "admins", keys[7])
        assert not repo.is_member("1001", "admins", "new@acme.example")
        (statement, parameters), = seen
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
        conn.rollback()

    assert "ix_memberships_email_key" in plan, plan
    assert "pk_memberships" not in plan, plan
