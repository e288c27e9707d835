"""Revision 0005t recomputes every stored email key made by case folding, on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from domain.model import email_key

from .migrations import insert, migrate

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
REVISION = "0005t"
# Emails as users typed them; before 0005t their key was email.strip().casefold().
ALICE, STRASSE, JOERG, EMILE = ("alice@acme.example", "Straße@acme.example", "Jörg@Bücher.example",
                                "ÉMILE@example.fr")
INVITED = "Kim@Bücher.example"


def old(email: str) -> str:
    return email.strip().casefold()


def user(conn, email: str) -> None:
    insert(conn, "users", email_key=old(email), email=email, first_name="F", last_name="L",
           password_hash=None, password_expired=False, created_at=NOW)


def seed(conn) -> dict:
    """Rows keyed the old way in every table that holds an email key."""
    insert(conn, "accounts", number="1001", name="Acme", created_at=NOW)
    insert(conn, "groups", account="1001", name_key="account administrators", name="Account Administrators")
    for email in (ALICE, STRASSE, JOERG, EMILE):
        user(conn, email)
        insert(conn, "memberships", account="1001", group_key="account administrators", email_key=old(email))
        insert(conn, "membership_clocks", account="1001", group_key="account administrators",
               email_key=old(email), issued_at=NOW, command_id=uuid.uuid4())
    invite_id, grant_id = uuid.uuid4(), uuid.uuid4()
    insert(conn, "invites", id=invite_id, account="1001", email_key=old(INVITED), email=INVITED, invited_by=ALICE,
           status="pending", token_hash=uuid.uuid4().hex, created_at=NOW, expires_at=NOW)
    insert(conn, "pending_grants", id=grant_id, invite_id=invite_id, account="1001",
           group_key="account administrators", email_key=old(INVITED), command_id=uuid.uuid4(), actor=ALICE,
           issued_at=NOW, status="pending", created_at=NOW)
    insert(conn, "membership_clocks", account="1001", group_key="account administrators",
           email_key=old(INVITED), issued_at=NOW, command_id=uuid.uuid4())
    insert(conn, "envelopes", id="e1", invite_id=invite_id, recipient_key=old(INVITED), nonce=b"n",
           ciphertext=b"c", key_nonce=b"k", wrapped_key=b"w", created_at=NOW)
    insert(conn, "login_failures", email_key=old(JOERG), failures=3, window_started_at=NOW)
    command_id = uuid.uuid4()
    insert(conn, "commands", id=command_id, type="grant_admin", account="1001", actor=ALICE, source="job",
           correlation_id="c", issued_at=NOW, payload={"type": "grant_admin", "email": STRASSE},
           status="queued", reason=None, attempts=0, position=0, submitted_at=NOW, subject=old(STRASSE))
    return {"invite": invite_id, "grant": grant_id, "command": command_id}


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def keys(engine, table: str, column: str = "email_key") -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text(f"SELECT {column} FROM {table}")).scalars())


def test_every_stored_email_key_becomes_the_key_of_its_email_and_back(fresh_engine):
    migrate(fresh_engine, "0004")
    with fresh_engine.begin() as conn:
        seed(conn)
    assert old(STRASSE) == "strasse@acme.example" != email_key(STRASSE)  # the keys this test is about differ

    migrate(fresh_engine, REVISION)

    people = {email_key(e) for e in (ALICE, STRASSE, JOERG, EMILE)}
    assert keys(fresh_engine, "users") == people
    assert keys(fresh_engine, "memberships") == people
    assert keys(fresh_engine, "membership_clocks") == people | {email_key(INVITED)}
    assert keys(fresh_engine, "invites") == keys(fresh_engine, "pending_grants") == {email_key(INVITED)}
    assert keys(fresh_engine, "envelopes", "recipient_key") == {"kim@xn--bcher-kva.example"}
    assert keys(fresh_engine, "login_failures") == {"jörg@xn--bcher-kva.example"}
    assert keys(fresh_engine, "commands", "subject") == {"straße@acme.example"}
    assert scalar(fresh_engine, "SELECT failures FROM login_failures") == 3
    with pytest.raises(IntegrityError), fresh_engine.begin() as conn:  # the foreign key to users still holds
        insert(conn, "memberships", account="1001", group_key="account administrators", email_key="nobody@x.example")

    migrate(fresh_engine, "-1", down=True)

    assert keys(fresh_engine, "users") == keys(fresh_engine, "memberships") == {
        old(e) for e in (ALICE, STRASSE, JOERG, EMILE)}
    assert keys(fresh_engine, "envelopes", "recipient_key") == {old(INVITED)}
    assert keys(fresh_engine, "commands", "subject") == {"strasse@acme.example"}


def test_two_users_that_would_become_one_stop_the_migration_naming_them(fresh_engine):
    migrate(fresh_engine, "0004")
    with fresh_engine.begin() as conn:
        user(conn, "e\u0301mile@example.fr")  # decomposed: case folding kept it apart from the composed one
        user(conn, "\u00e9mile@example.fr")

    with pytest.raises(RuntimeError, match="would become one email") as raised:
        migrate(fresh_engine, REVISION)

    assert "e\u0301mile@example.fr" in str(raised.value) and "\u00e9mile@example.fr" in str(raised.value)
    assert scalar(fresh_engine, "SELECT count(*) FROM users") == 2  # nothing changed


def test_two_login_failure_rows_that_meet_keep_the_larger_count(fresh_engine):
    migrate(fresh_engine, "0004")
    with fresh_engine.begin() as conn:
        insert(conn, "login_failures", email_key="e\u0301ve@example.fr", failures=4, window_started_at=NOW)
        insert(conn, "login_failures", email_key="\u00e9ve@example.fr", failures=1, window_started_at=NOW)

    migrate(fresh_engine, REVISION)

    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT email_key, failures FROM login_failures")).all() == [
            ("\u00e9ve@example.fr", 4)]
