"""Locks on an email, so a registration and the grants to that email take turns (PostgreSQL).

A grant that finds no user keeps a pending grant; a registration creates the user, then retries the
email's pending grants. Without a lock in common, a grant that read "no user" before a registration
committed could commit its pending grant after the registration had read them: pending for ever.
Whatever reads or writes an email's user, invites or pending grants for a grant takes the email's
lock shared (grants never wait for each other); a registration takes it exclusive, before anything
else, so it holds nothing a waiting grant holds. SQLite needs none: its writers run one at a time.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select, text

from store.tables import invites

_NAMESPACE = 0x656D6C  # "eml": the first key of the two-key advisory locks; the email's hash is the second


class SharedEmails:
    """The emails one transaction has locked shared, so each is locked once."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.locked: set[str] = set()
        self._transaction = None

    def share(self, email_keys: Iterable[str]) -> None:
        """Lock these emails shared until the transaction ends."""
        if self.conn.get_transaction() is not self._transaction:
            self.locked = set()  # a new transaction: the locks of the last one are gone
        keys = sorted(set(email_keys) - self.locked)
        if keys and self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock_shared(:ns, hashtext(k)) "
                                   "FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k"),
                              {"ns": _NAMESPACE, "keys": keys})
        self.locked.update(keys)
        self._transaction = self.conn.get_transaction()


def lock_for_registration(conn: Connection, token_hash: str) -> None:
    """Lock exclusive, until the transaction ends, the email this registration token was sent to (if any)."""
    if conn.dialect.name != "postgresql":
        return
    key = conn.execute(select(invites.c.email_key).where(invites.c.token_hash == token_hash)).scalar()
    if key is not None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"), {"ns": _NAMESPACE, "key": key})
