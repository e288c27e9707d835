"""Idempotency keys in the store: the first answer to each caller's key, kept to answer its retries again.

Every function takes a connection and runs inside the caller's transaction: a key's record is written in the
transaction that journals the commands it answers for, so the two exist together or not at all.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from store.tables import idempotency_keys

_c = idempotency_keys.c
# The first key of PostgreSQL's two-key advisory locks: a space of their own for idempotency keys ("idem").
_LOCK_SPACE = 0x6964656D


class KeyTaken(Exception):
    """Raised when a record of the same owner and key was written by another transaction first."""


@dataclass(frozen=True)
class FirstAnswer:
    """What was answered to the first request with a key, and the fingerprint of that request."""

    fingerprint: str
    status: int
    answer: dict


def lock_key(conn: Connection, owner: str, key: str) -> bool:
    """Take the key for this transaction, without waiting; False if another transaction holds it now.

    On PostgreSQL, an advisory lock released at commit or rollback. SQLite takes its write lock when a
    transaction begins (store.engine), so writers there come one at a time: the key is always free."""
    if conn.dialect.name != "postgresql":
        return True
    return conn.execute(text("SELECT pg_try_advisory_xact_lock(CAST(:space AS integer), CAST(:key AS integer))"),
                        {"space": _LOCK_SPACE, "key": _lock_id(owner, key)}).scalar_one()


def first_answer(conn: Connection, owner: str, key: str) -> FirstAnswer | None:
    row = conn.execute(select(_c.fingerprint, _c.status, _c.answer)
                       .where(_c.owner == owner, _c.key == key)).first()
    return None if row is None else FirstAnswer(row.fingerprint, row.status, row.answer)


def remember(conn: Connection, owner: str, key: str, first: FirstAnswer, now: datetime) -> None:
    """Keep the first answer to this key; KeyTaken if another transaction kept one first (this transaction
    must then be rolled back)."""
    try:
        conn.execute(insert(idempotency_keys).values(owner=owner, key=key, fingerprint=first.fingerprint,
                                                     status=first.status, answer=first.answer, created_at=now))
    except IntegrityError:
        raise KeyTaken(f"{owner} {key}") from None


def amend_answer(conn: Connection, owner: str, key: str, answer: dict) -> None:
    """The answer as it ended up, where it changed after the record was written."""
    conn.execute(update(idempotency_keys).where(_c.owner == owner, _c.key == key).values(answer=answer))


def prune_keys(conn: Connection, before: datetime) -> int:
    """Delete the records written before `before`; how many."""
    return conn.execute(delete(idempotency_keys).where(_c.created_at < before)).rowcount


def _lock_id(owner: str, key: str) -> int:
    """A signed 32-bit number for the owner and key (the second key of a two-key advisory lock)."""
    digest = hashlib.sha256(f"{owner}\n{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)
