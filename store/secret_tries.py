"""Tries of the shared secrets (the ops password, the API token), counted per client address in the lockout that
sign-in uses (domain.login), so that guessing them is as slow as guessing a person's password.

Per client only, never over every client: a shared secret is presented by every legitimate caller (Prometheus,
upstream systems), and a lock over all clients would let anyone lock them all out. The right secret from a client
with nothing counted against it costs one read by primary key, as Prometheus presents it every 15 seconds.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine

from domain.login import LoginPolicy
from store.failure_records import checked_client, forget_unless_locked, lock_record, read_record, save_record

OPS_PASSWORD, API_TOKEN = "ops password", "api token"  # keys of the failure records; never an email key (a space)
DEFAULT_POLICY = LoginPolicy()


def secret_tried(engine: Engine, secret: str, client: str, right: bool, now: datetime,
                 policy: LoginPolicy = DEFAULT_POLICY) -> datetime | None:
    """The end of the client's lock if it may not use `secret` now, whether `right` or not; else None, a wrong
    try counted (the one that reaches the limit is still answered as wrong) and a right one forgetting them."""
    with engine.connect() as conn:
        locked_until = secret_tried_in(conn, secret, client, right, now, policy)
        conn.commit()
    return locked_until


def secret_tried_in(conn: Connection, secret: str, client: str, right: bool, now: datetime,
                    policy: LoginPolicy = DEFAULT_POLICY) -> datetime | None:
    """secret_tried, in the connection's transaction, which the caller commits (with the rest it wrote)."""
    client = checked_client(client)
    if right:
        record = read_record(conn, secret, client)
        if record is None:
            return None
        locked_until = policy.locked_until(record, now)
        if locked_until is None:
            forget_unless_locked(conn, secret, client, now)
        return locked_until
    record = lock_record(conn, secret, client, now)
    locked_until = policy.locked_until(record, now)
    if locked_until is None:
        save_record(conn, secret, client, policy.after_failure(record, now))
    return locked_until
