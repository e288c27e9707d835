"""Revision 0026l gives each account of a filled store the language of its mails, English, and each person a
language of their own, none until they choose one."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from .migrations import insert, migrate

OPENED = datetime(2026, 11, 1, tzinfo=timezone.utc)


def test_the_accounts_made_before_are_in_english_and_their_people_have_chosen_no_language(fresh_engine):
    migrate(fresh_engine, "0025g")
    with fresh_engine.begin() as conn:
        insert(conn, "accounts", number="1001", name="Acme", created_at=OPENED)
        insert(conn, "users", email_key="alice@example.com", email="alice@example.com", first_name="Alice",
               last_name="Martin", password_expired=False, created_at=OPENED)

    migrate(fresh_engine, "0026l")

    with fresh_engine.begin() as conn:
        assert conn.execute(text("SELECT language FROM accounts")).scalar_one() == "en"
        assert conn.execute(text("SELECT language FROM users")).scalar_one() is None
        insert(conn, "accounts", number="1002", name="Société", created_at=OPENED)  # as an older release writes
        conn.execute(text("UPDATE accounts SET language = 'fr' WHERE number = '1001'"))
        assert conn.execute(text("SELECT number, language FROM accounts ORDER BY number")).all() == [
            ("1001", "fr"), ("1002", "en")]

    migrate(fresh_engine, "0025g", down=True)
    with fresh_engine.connect() as conn:
        assert "language" not in conn.execute(text("SELECT * FROM accounts")).keys()
        assert "language" not in conn.execute(text("SELECT * FROM users")).keys()
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
