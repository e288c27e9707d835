"""Revision 0025g gives each group of a filled store an id of its own, kept across a rename, and the creation time
of its account."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from .migrations import insert, migrate

OPENED = datetime(2026, 11, 1, tzinfo=timezone.utc)


def test_every_group_gets_its_own_id_and_its_accounts_creation_time_and_keeps_the_id_when_renamed(fresh_engine):
    migrate(fresh_engine, "0024u")
    with fresh_engine.begin() as conn:
        insert(conn, "accounts", number="1001", name="Acme", created_at=OPENED)
        for key, name in (("account administrators", "Account Administrators"), ("sales", "Sales")):
            insert(conn, "groups", account="1001", name_key=key, name=name)

    migrate(fresh_engine, "0025g")

    with fresh_engine.begin() as conn:
        rows = conn.execute(text("SELECT name_key, id, created_at FROM groups ORDER BY name_key")).all()
        assert len({row.id for row in rows}) == 2 and all(row.id is not None for row in rows)
        assert all(str(row.created_at)[:10] == OPENED.date().isoformat() for row in rows)
        sales_id = rows[1].id
        conn.execute(text("UPDATE groups SET name_key = 'sales emea', name = 'Sales EMEA' WHERE name_key = 'sales'"))
        assert conn.execute(text("SELECT id FROM groups WHERE name_key = 'sales emea'")).scalar() == sales_id

    migrate(fresh_engine, "0024u", down=True)
    with fresh_engine.connect() as conn:
        assert "external_id" not in conn.execute(text("SELECT * FROM groups")).keys()
