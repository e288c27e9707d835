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
    """Locks emails shared for a connection's transaction, each once per (sub)transaction."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.locked: set[str] = set()
        self._scope: tuple = (None, None)

    def share(self, email_keys: Iterable[str]) -> None:
        """Lock these emails shared until the transaction ends."""
        # Remembered only within the same transaction and savepoint: rolling a savepoint back releases
        # the locks taken inside it, and a new transaction holds none.
        if self._current_scope() != self._scope:
            self.locked = set()
        keys = sorted(set(email_keys) - self.locked)
        if keys and self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock_shared(:ns, hashtext(k)) "
                                   "FROM unnest(CAST(:keys AS text[])) AS k"), {"ns": _NAMESPACE, "keys": keys})
        self.locked.update(keys)
        self._scope = self._current_scope()

    def _current_scope(self) -> tuple:
        return self.conn.get_transaction(), self.conn.get_nested_transaction()


def lock_for_registration(conn: Connection, token_hash: str) -> None:
    """Lock exclusive, until the transaction ends, the email this registration token was sent to (if any)."""
    if conn.dialect.name != "postgresql":
        return
    key = conn.execute(select(invites.c.email_key).where(invites.c.token_hash == token_hash)).scalar()
    if key is not None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"), {"ns": _NAMESPACE, "key": key})
