"""Every password check against the store: login, password change and the others, each in one transaction.

All of them go through `_check_password`, so each try counts in the lockout of its (email, client) and
of its email over every client (see domain.login), and costs one argon2 verification whatever the answer,
even for a temporary password stored with the fast keyed hash (domain.passwords). `keys`, the configured
master keys, check those; without them a temporary hash does not verify.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache
from uuid import uuid4

from sqlalchemy import Connection, Engine, delete, or_, select, update

from domain import events as ev
from domain.login import (
    ALL_CLIENTS,
    LOGIN_OK,
    PASSWORD_CHANGE_REQUIRED,
    PASSWORD_CHANGED,
    PASSWORD_OK,
    SIGN_IN_DISABLED,
    WRONG_EMAIL_OR_PASSWORD,
    LoginPolicy,
    LoginResult,
    too_many_failures,
)
from domain.master_keys import MasterKeys
from domain.model import email_key
from domain.passwords import TEMPORARY_SCHEME, check_new_password, hash_password, verify_password
from store.failure_records import checked_client, forget_record, lock_record, save_record
from store.session_rows import end_sessions
from store.tables import account_users, audit_log, login_failures, users

DEFAULT_POLICY = LoginPolicy()


@cache
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown emails so they cost as much as known ones."""
    return hash_password(secrets.token_urlsafe(32))


def check_password(engine: Engine, email: str, password: str, now: datetime,
                   policy: LoginPolicy = DEFAULT_POLICY, *, client: str,
                   keys: MasterKeys | None = None) -> LoginResult:
    """Ok if the password is the user's (temporary or not), else the refusal; counted in the lockout."""
    with engine.begin() as conn:
        _, refusal = _check_password(conn, email_key(email), password, now, policy, client, keys)
    return refusal or LoginResult(True, PASSWORD_OK)


def login(engine: Engine, email: str, password: str, now: datetime,
          policy: LoginPolicy = DEFAULT_POLICY, *, client: str, keys: MasterKeys | None = None) -> LoginResult:
    """Ok for the right permanent password; a temporary one must be changed first. A person every account of theirs
    disabled is refused, even with the right password. A sign-in (or one that must change its password first) is
    the person's last sign-in."""
    key = email_key(email)
    with engine.begin() as conn:
        user, refusal = _check_password(conn, key, password, now, policy, client, keys)
        if refusal is not None:
            return refusal
        if _disabled_everywhere(conn, key):
            return LoginResult(False, SIGN_IN_DISABLED)
        conn.execute(update(users).where(users.c.email_key == key).values(last_sign_in_at=now))
        if user.password_expired:
            return LoginResult(False, PASSWORD_CHANGE_REQUIRED)
        return LoginResult(True, LOGIN_OK)


def change_password(engine: Engine, email: str, current: str, new: str, now: datetime,
                    policy: LoginPolicy = DEFAULT_POLICY, source: str = "cli", *, client: str,
                    keys: MasterKeys | None = None, keep_session: str | None = None) -> LoginResult:
    """Replace the current password (temporary or not) by a permanent one; ValueError if `new` is unfit.
    Every web session of the person ends with it, except `keep_session` (the id of the one making the change)."""
    check_new_password(new)
    if new == current:
        raise ValueError("the new password must differ from the current one")
    new_hash = hash_password(new)  # before the transaction: hashing is slow and the row is locked
    key = email_key(email)
    with engine.begin() as conn:
        user, refusal = _check_password(conn, key, current, now, policy, client, keys)
        if refusal is not None:
            return refusal
        conn.execute(update(users).where(users.c.email_key == key)
                     .values(password_hash=new_hash, password_expired=False))
        conn.execute(audit_log.insert().values(
            at=now, actor=user.email, action=ev.PasswordChanged.action, target=user.email, account=None,
            command_id=uuid4(), source=source, detail=""))
        end_sessions(conn, key, keep=keep_session)
        return LoginResult(True, PASSWORD_CHANGED)


def prune_failures(conn: Connection, now: datetime, policy: LoginPolicy = DEFAULT_POLICY) -> int:
    """Delete the records with nothing left to remember (LoginPolicy.is_forgettable); how many."""
    # A row a try holds is waited for, then checked again: if that try counted a failure, it stays.
    c = login_failures.c
    return conn.execute(delete(login_failures).where(
        or_(c.locked_until.is_(None), c.locked_until <= now),
        or_(c.failures == 0, c.window_started_at <= now - policy.window))).rowcount


def _check_password(conn: Connection, key: str, password: str, now: datetime, policy: LoginPolicy,
                    client: str, keys: MasterKeys | None) -> tuple[object, LoginResult | None]:
    """The user if the password is right (this client's failures forgotten), else the refusal (counted)."""
    client = checked_client(client)
    everywhere_policy = policy.for_all_clients()
    everywhere = lock_record(conn, key, ALL_CLIENTS, now)  # always this one first: one lock order
    here = lock_record(conn, key, client, now)
    ends = [end for end in (policy.locked_until(here, now), everywhere_policy.locked_until(everywhere, now)) if end]
    if ends:
        return None, LoginResult(False, too_many_failures(max(ends)))
    user = _user(conn, key)
    if not _verifies(user, password, keys):
        save_record(conn, key, client, policy.after_failure(here, now))
        save_record(conn, key, ALL_CLIENTS, everywhere_policy.after_failure(everywhere, now))
        return None, LoginResult(False, WRONG_EMAIL_OR_PASSWORD)
    # The count over every client is kept: a success here must not wipe what other addresses tried.
    forget_record(conn, key, client)
    if everywhere_policy.is_forgettable(everywhere, now):
        forget_record(conn, key, ALL_CLIENTS)
    return user, None


def _disabled_everywhere(conn: Connection, key: str) -> bool:
    """A user of at least one account, and disabled in each (someone of no account yet signs in)."""
    states = conn.execute(select(account_users.c.disabled_at).where(account_users.c.email_key == key)).scalars().all()
    return bool(states) and all(state is not None for state in states)


def _user(conn: Connection, key: str):
    return conn.execute(select(users.c.email, users.c.password_hash, users.c.password_expired)
                        .where(users.c.email_key == key)).first()


def _verifies(user, password: str, keys: MasterKeys | None) -> bool:
    """Always one argon2 verification, so the answer's timing tells neither whether the email exists nor
    whether its password is temporary (a keyed hash, checked in microseconds)."""
    if user is None or not user.password_hash:
        verify_password(_dummy_hash(), password)
        return False
    if user.password_hash.startswith(TEMPORARY_SCHEME):
        verify_password(_dummy_hash(), password)
    return verify_password(user.password_hash, password, keys)
