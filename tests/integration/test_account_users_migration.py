"""Revision 0024u makes a person a user of each account that created them, has them in one of its groups, or saw
them register from one of its invites, on a filled store."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from .migrations import insert, migrate

EARLY = datetime(2026, 11, 1, tzinfo=timezone.utc)
LATE = EARLY + timedelta(days=3)
CREATED = "created@a.example"  # created by 1001, in none of its groups
ADMIN = "admin@a.example"  # created by 1001 and in its administrators' group
MEMBER = "member@b.example"  # created by 1001, in a group of 2002
REGISTERED = "reg@b.example"  # registered from an invite of 2002: no creating account
LOOSE = "loose@c.example"  # registered from an invite later cancelled: no account's user
NO_USER = "pending@b.example"  # invited by 2002, never registered: no user, so no account's user


def user(conn, email: str, created_by: str | None, at: datetime = EARLY) -> None:
    insert(conn, "users", email_key=email, email=email, first_name="F", last_name="L", password_hash="h",
           password_expired=False, created_by_account=created_by, created_at=at)


def invite(conn, email: str, status: str, at: datetime) -> None:
    insert(conn, "invites", id=uuid.uuid4(), account="2002", email_key=email, email=email, invited_by="x@b.example",
           status=status, token_hash=uuid.uuid4().hex, created_at=at, expires_at=at + timedelta(days=7))


def test_every_account_a_person_belonged_to_has_them_as_its_user_once(fresh_engine):
    migrate(fresh_engine, "0023p")
    with fresh_engine.begin() as conn:
        for number in ("1001", "2002"):
            insert(conn, "accounts", number=number, name=f"Account {number}", created_at=EARLY)
        insert(conn, "groups", account="1001", name_key="account administrators", name="Account Administrators")
        insert(conn, "groups", account="2002", name_key="sales", name="Sales")
        for email in (CREATED, ADMIN, MEMBER):
            user(conn, email, "1001")
        user(conn, REGISTERED, None, at=LATE)
        user(conn, LOOSE, None)
        insert(conn, "memberships", account="1001", group_key="account administrators", email_key=ADMIN)
        insert(conn, "memberships", account="2002", group_key="sales", email_key=MEMBER)
        invite(conn, REGISTERED, "accepted", LATE)
        invite(conn, LOOSE, "cancelled", EARLY)
        invite(conn, NO_USER, "pending", EARLY)

    migrate(fresh_engine, "0024u")

    with fresh_engine.connect() as conn:
        rows = conn.execute(text("SELECT account, email_key FROM account_users WHERE disabled_at IS NULL "
                                 "ORDER BY account, email_key")).all()
        added = conn.execute(text("SELECT added_at FROM account_users WHERE email_key = :e"), {"e": REGISTERED}).one()
    assert [tuple(row) for row in rows] == [("1001", ADMIN), ("1001", CREATED), ("1001", MEMBER),
                                            ("2002", MEMBER), ("2002", REGISTERED)]
    assert str(added[0])[:10] == LATE.date().isoformat()

    migrate(fresh_engine, "0023p", down=True)
    with fresh_engine.connect() as conn:
        assert "last_sign_in_at" not in conn.execute(text("SELECT * FROM users")).keys()
