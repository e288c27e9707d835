"""Revision 0012i marks as verified the users whose person already proved the mailbox, on a filled store."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import text

from .migrations import insert, migrate

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
REGISTERED = "reg@b.example"  # registered from an invite: no creating account
ACTIVATED = "act@a.example"  # created by 1001, then set a password through its activation link
ACCEPTED = "acc@a.example"  # created by 1001, then accepted another account's invite with that password
HELD = "held@b.example"  # created by 1001 with a password its administrator knows; never opened a mailed link
INVITED = "inv@a.example"  # created by 1001, its invite still open


def user(conn, email: str, created_by: str | None) -> None:
    insert(conn, "users", email_key=email, email=email, first_name="F", last_name="L", password_hash="h",
           password_expired=False, created_by_account=created_by, created_at=NOW)


def invite(conn, email: str, status: str) -> None:
    insert(conn, "invites", id=uuid.uuid4(), account="2002", email_key=email, email=email, invited_by="x@b.example",
           status=status, token_hash=uuid.uuid4().hex, created_at=NOW, expires_at=NOW)


def test_users_who_opened_a_mailed_link_are_verified_and_the_others_are_not(fresh_engine):
    migrate(fresh_engine, "0011f")
    with fresh_engine.begin() as conn:
        user(conn, REGISTERED, None)
        for email in (ACTIVATED, ACCEPTED, HELD, INVITED):
            user(conn, email, "1001")
        invite(conn, ACTIVATED, "accepted")
        invite(conn, ACCEPTED, "accepted")
        invite(conn, HELD, "cancelled")
        invite(conn, INVITED, "pending")

    migrate(fresh_engine, "0012i")

    with fresh_engine.connect() as conn:
        verified = dict(conn.execute(text("SELECT email_key, verified FROM users")).all())
    assert {email for email, proven in verified.items() if proven} == {REGISTERED, ACTIVATED, ACCEPTED}
    migrate(fresh_engine, "0011f", down=True)
    with fresh_engine.connect() as conn:
        assert "verified" not in conn.execute(text("SELECT * FROM users")).keys()
