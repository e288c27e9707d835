"""Login and password change against the store, rate limited per email, each in one transaction."""
from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache
from uuid import uuid4

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.login import (
    LOGIN_OK,
    PASSWORD_CHANGE_REQUIRED,
    PASSWORD_CHANGED,
    WRONG_EMAIL_OR_PASSWORD,
    FailureRecord,
    LoginPolicy,
    LoginResult,
    too_many_failures,
)
from domain.model import email_key
from domain.passwords import check_new_password, hash_password, verify_password
from store.tables import audit_log, login_failures, users

DEFAULT_POLICY = LoginPolicy()


@cache
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown emails so they cost as much as known ones."""
    return hash_password(secrets.token_urlsafe(32))


def login(engine: Engine, email: str, password: str, now: datetime,
          policy: LoginPolicy = DEFAULT_POLICY) -> LoginResult:
    """Ok for the right permanent password; a temporary one must be changed first."""
    with engine.begin() as conn:
        user, refusal = _check_password(conn, email_key(email), password, now, policy)
        if refusal is not None:
            return refusal
        if user.password_expired:
            return LoginResult(False, PASSWORD_CHANGE_REQUIRED)
        return LoginResult(True, LOGIN_OK)


def change_password(engine: Engine, email: str, current: str, new: str, now: datetime,
                    policy: LoginPolicy = DEFAULT_POLICY, source: str = "cli") -> LoginResult:
    """Replace the current password (temporary or not) by a permanent one; ValueError if `new` is unfit."""
    check_new_password(new)
    if new == current:
        raise ValueError("the new password must differ from the current one")
    new_hash = hash_password(new)  # before the transaction: hashing is slow and the row is locked
    key = email_key(email)
    with engine.begin() as conn:
        user, refusal = _check_password(conn, key, current, now, policy)
        if refusal is not None:
            return refusal
        conn.execute(update(users).where(users.c.email_key == key)
                     .values(password_hash=new_hash, password_expired=False))
        conn.execute(audit_log.insert().values(
            at=now, actor=user.email, action="password.changed", target=user.email, account=None,
            command_id=uuid4(), source=source, detail=""))
        return LoginResult(True, PASSWORD_CHANGED)


def _check_password(conn: Connection, key: str, password: str, now: datetime,
                    policy: LoginPolicy) -> tuple[object, LoginResult | None]:
    """The user if the password is right (failures reset), else the refusal (the failure counted)."""
    record = _lock_failures(conn, key, now)
    if (until := policy.locked_until(record, now)) is not None:
        return None, LoginResult(False, too_many_failures(until))
    user = _user(conn, key)
    if not _verifies(user, password):
        _save(conn, key, policy.after_failure(record, now))
        return None, LoginResult(False, WRONG_EMAIL_OR_PASSWORD)
    _save(conn, key, policy.after_success(now))
    return user, None


def _user(conn: Connection, key: str):
    return conn.execute(select(users.c.email, users.c.password_hash, users.c.password_expired)
                        .where(users.c.email_key == key)).first()


def _verifies(user, password: str) -> bool:
    """Always one argon2 verification, so the answer's timing does not tell whether the email exists."""
    if user is None or not user.password_hash:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(user.password_hash, password)


def _lock_failures(conn: Connection, key: str, now: datetime) -> FailureRecord:
    """The email's failure record, locked until commit (created if missing) so concurrent tries all count."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(login_failures)
                 .values(email_key=key, failures=0, window_started_at=now, locked_until=None)
                 .on_conflict_do_nothing(index_elements=[login_failures.c.email_key]))
    # SQLite has no FOR UPDATE; its BEGIN IMMEDIATE (see engine.py) already serializes writers.
    row = conn.execute(select(login_failures).where(login_failures.c.email_key == key).with_for_update()).one()
    return FailureRecord(row.failures, row.window_started_at, row.locked_until)


def _save(conn: Connection, key: str, record: FailureRecord) -> None:
    conn.execute(update(login_failures).where(login_failures.c.email_key == key).values(
        failures=record.failures, window_started_at=record.window_started_at, locked_until=record.locked_until))
