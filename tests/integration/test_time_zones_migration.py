"""Revision 0026t gives each person a time zone of their own, none until they choose one (their times in UTC), and
each dead letter room for its reason's codes, none for those written before (their English is shown as it is)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from .migrations import insert, migrate

OPENED = datetime(2026, 11, 1, tzinfo=timezone.utc)


def test_the_people_made_before_have_no_time_zone_and_the_dead_letters_before_no_codes(fresh_engine):
    migrate(fresh_engine, "0026f")
    with fresh_engine.begin() as conn:
        insert(conn, "users", email_key="alice@example.com", email="alice@example.com", first_name="Alice",
               last_name="Martin", password_expired=False, created_at=OPENED)
        insert(conn, "dead_letters", at=OPENED, reason="gave up after 5 attempts", payload="{}")

    migrate(fresh_engine, "0026t")

    with fresh_engine.begin() as conn:
        assert conn.execute(text("SELECT time_zone FROM users")).scalar_one() is None
        assert conn.execute(text("SELECT reason, reason_said FROM dead_letters")).one() == (
            "gave up after 5 attempts", None)
        conn.execute(text("UPDATE users SET time_zone = 'America/Argentina/ComodRivadavia'"))  # the longest names
        assert conn.execute(text("SELECT time_zone FROM users")).scalar_one() == "America/Argentina/ComodRivadavia"

    migrate(fresh_engine, "0026f", down=True)
    with fresh_engine.connect() as conn:
        assert "time_zone" not in conn.execute(text("SELECT * FROM users")).keys()
        assert "reason_said" not in conn.execute(text("SELECT * FROM dead_letters")).keys()
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
