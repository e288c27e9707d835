"""API keys in the store: made, listed, revoked, rotated, and resolved from a presented key in one read by id.

Making, rotating and revoking a key is audited in the same transaction, in each account the key covers (with no
account for a support key), by whoever did it: `support` at the server's CLI, an administrator in the console.
Only a key's keyed hash is kept; the key itself is returned once, when it is made or rotated. The webhook secret
is sealed under the master key, as it will sign each callback.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain import events as ev
from domain.api_keys import (
    SUPPORT,
    KeyScope,
    KeyState,
    check_name,
    due_last_used,
    hash_key,
    hashed_under,
    key_id_of,
    key_matches,
    new_key,
    new_key_id,
    new_webhook_secret,
    uses_previous,
)
from domain.emails import normal_email
from domain.field_messages import field_label, problem_of, said
from domain.master_keys import MasterKey, MasterKeys
from domain.model import SYSTEM_ACTOR, AuditEntry
from domain.said import Said
from store.reads.accounts import administers
from store.reads.queries import account_exists
from store.repository import SqlRepository
from store.tables import api_keys


class ApiKeyError(ValueError):
    """A key that cannot be made, found or changed as asked; its message (domain.said, `message`) says why, in
    each reader's language."""

    def __init__(self, message: Said):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IssuedKey:
    """A key as made or rotated: the only time its text (and its webhook secret) is known."""

    name: str
    key: str
    webhook_secret: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class KeyListing:
    """What `api-key list` shows of a key: never the key."""

    name: str
    scope: str
    accounts: tuple[str, ...] | None  # None: a support key
    person: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    callback_url: str | None
    callback_stopped_at: datetime | None = None  # its endpoint answered 410 Gone


@dataclass(frozen=True)
class Resolved:
    """What a presented key comes to: `right` whether its secret matches; `scope` and `refusal` if it does."""

    right: bool
    scope: KeyScope | None = None
    refusal: str | None = None


def create_key(engine: Engine, keys: MasterKeys, name: str, now: datetime, *, accounts: list[str] | None = None,
               by: str | None = None, support: bool = False, callback_url: str | None = None,
               lifetime: timedelta | None = None, actor: str = SUPPORT, source: str = "cli") -> IssuedKey:
    """Make a key acting as `by` on `accounts`, or as support on every account; ApiKeyError if `by` does not
    administer each account now (then nothing is stored). `actor` and `source`: who makes it, from where."""
    name = _checked_name(name)
    if support == bool(accounts):
        raise ApiKeyError(said("key.accounts_or_support"))
    person = SUPPORT
    if not support:
        if not by or by.strip().lower() == SUPPORT:
            raise ApiKeyError(said("key.person_required"))
        person = _checked_email(by)
        accounts = list(dict.fromkeys(accounts or []))
        for account in accounts:
            if not account_exists(engine, account):
                raise ApiKeyError(said("account.unknown", account=account))
            if not administers(engine, account, person):
                raise ApiKeyError(said("actor.not_admin", actor=person, account=account))
    key_id = new_key_id()
    key = new_key(key_id)
    webhook_secret = new_webhook_secret() if callback_url else None
    sealed: dict = {}
    if webhook_secret is not None:
        nonce, ciphertext = keys.current.seal(webhook_secret.encode(), _webhook_aad(key_id))
        sealed = {"webhook_nonce": nonce, "webhook_sealed": ciphertext, "webhook_key_id": keys.current.key_id}
    expires_at = now + lifetime if lifetime is not None else None
    try:
        with engine.begin() as conn:
            conn.execute(insert(api_keys).values(
                id=key_id, name=name, key_hash=hash_key(key, keys.current), accounts=None if support else accounts,
                person=person, callback_url=callback_url, created_at=now, expires_at=expires_at, **sealed))
            scope = KeyScope(name, person, None if support else tuple(accounts), key_id=key_id)
            _audit(conn, now, scope, actor, source,
                   lambda account: ev.ApiKeyCreated(account, name, scope.describe(), person))
    except IntegrityError:
        raise ApiKeyError(said("key.exists", name=name)) from None
    return IssuedKey(name, key, webhook_secret, expires_at)


def list_keys(engine: Engine, account: str | None = None) -> list[KeyListing]:
    """Every key, by name, revoked ones too, marked so; only those naming `account` if given (support keys, which
    name none, are not an account's)."""
    with engine.connect() as conn:
        rows = conn.execute(select(api_keys).order_by(api_keys.c.name)).all()
    scopes = [(row, _scope(row)) for row in rows]
    return [KeyListing(row.name, scope.describe(), scope.accounts, row.person, row.created_at, row.expires_at,
                       row.last_used_at, row.revoked_at, row.callback_url, row.callback_stopped_at)
            for row, scope in scopes
            if account is None or (scope.accounts is not None and account in scope.accounts)]


def revoke_key(engine: Engine, name: str, now: datetime, *, account: str | None = None, actor: str = SUPPORT,
               source: str = "cli") -> None:
    """Make the key (and any previous secret of it) unusable from `now`; ApiKeyError for an unknown name, or a key
    that does not name `account` when one is given (an administrator revokes their account's keys only)."""
    with engine.begin() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.name == name).with_for_update()).first()
        if row is None or (account is not None and account not in (row.accounts or ())):
            raise ApiKeyError(said("key.unknown.in_account", name=name, account=account) if account else
                              said("key.unknown", name=name))
        if row.revoked_at is not None:
            raise ApiKeyError(said("key.revoked_already", name=name))
        conn.execute(update(api_keys).where(api_keys.c.id == row.id)
                     .values(revoked_at=now, previous_hash=None, previous_until=None))
        _audit(conn, now, _scope(row), actor, source, lambda covered: ev.ApiKeyRevoked(covered, name))


def rotate_key(engine: Engine, keys: MasterKeys, name: str, now: datetime, grace: timedelta) -> IssuedKey:
    """A new secret for the key (its id, scope and expiry kept); the old one works until `now + grace`."""
    with engine.begin() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.name == name).with_for_update()).first()
        if row is None:
            raise ApiKeyError(said("key.unknown", name=name))
        if KeyState(row.expires_at, row.revoked_at).refusal(now):
            raise ApiKeyError(said("key.rotate_unusable", name=name))
        key = new_key(row.id)
        conn.execute(update(api_keys).where(api_keys.c.id == row.id).values(
            key_hash=hash_key(key, keys.current), previous_hash=row.key_hash, previous_until=now + grace))
        until = f"{now + grace:%Y-%m-%d %H:%M} UTC"
        _audit(conn, now, _scope(row), SUPPORT, "cli", lambda account: ev.ApiKeyRotated(account, name, until))
    return IssuedKey(name, key, None, row.expires_at)


def resolve_key(engine: Engine, keys: MasterKeys, presented: str, now: datetime) -> Resolved:
    """The key a request presents: one read by its id, its hash compared in constant time (the previous one too,
    in a rotation's grace period). last_used_at is written at most once a minute."""
    with engine.connect() as conn:
        resolved = resolve_key_in(conn, keys, presented, now)
        conn.commit()
    return resolved


def resolve_key_in(conn: Connection, keys: MasterKeys, presented: str, now: datetime) -> Resolved:
    """resolve_key, in the connection's transaction, which the caller commits (with the rest it wrote)."""
    key_id = key_id_of(presented)
    if key_id is None:
        return Resolved(False)
    row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
    if row is None:
        return Resolved(False)
    current = key_matches(row.key_hash, presented, keys)
    if not current and not (uses_previous(row.previous_until, now) and
                            key_matches(row.previous_hash, presented, keys)):
        return Resolved(False)
    refusal = KeyState(row.expires_at, row.revoked_at).refusal(now)
    changes = {}
    if refusal is None and due_last_used(row.last_used_at, now):
        changes["last_used_at"] = now
    if refusal is None and current and hashed_under(row.key_hash) != keys.current.key_id:
        # The key is known only now, as it is presented: its hash moves to the current master key, so that an
        # old master key can be retired without breaking the keys in use.
        changes["key_hash"] = hash_key(presented, keys.current)
    if changes:
        conn.execute(update(api_keys).where(api_keys.c.id == key_id, api_keys.c.key_hash == row.key_hash)
                     .values(**changes))
    return Resolved(True, _scope(row), refusal)


def webhook_secret(engine: Engine, keys: MasterKeys, name: str) -> str | None:
    """The key's webhook signing secret, opened; None if it has no callback."""
    return _opened_secret(engine, keys, api_keys.c.name == name, name)


def webhook_secret_of(engine: Engine, keys: MasterKeys, key_id: str) -> str | None:
    """The webhook signing secret of the key with this id, opened; None if it has no callback."""
    return _opened_secret(engine, keys, api_keys.c.id == key_id, key_id)


def stop_callback(conn: Connection, key_id: str, url: str, now: datetime) -> None:
    """The key's callback answered 410 Gone: marked stopped (no delivery is written for it any more), audited in
    each account the key covers, as done by envadmin."""
    row = conn.execute(update(api_keys).where(api_keys.c.id == key_id, api_keys.c.callback_stopped_at.is_(None))
                       .values(callback_stopped_at=now).returning(api_keys)).first()
    if row is not None:
        _audit(conn, now, _scope(row), SYSTEM_ACTOR, "webhook",
               lambda account: ev.ApiKeyCallbackStopped(account, row.name, url))


def _opened_secret(engine: Engine, keys: MasterKeys, which, named: str) -> str | None:
    with engine.connect() as conn:
        row = conn.execute(select(api_keys).where(which)).first()
    if row is None:
        raise ApiKeyError(said("key.unknown", name=named))
    if row.webhook_sealed is None:
        return None
    return keys.open(row.webhook_key_id, row.webhook_nonce, row.webhook_sealed, _webhook_aad(row.id),
                     said("sealed.webhook_secret")).decode()


def resealed_webhook_secret(row, keys: MasterKeys, new: MasterKey) -> dict:
    """The columns that move a key's webhook secret under the `new` master key."""
    plain = keys.open(row.webhook_key_id, row.webhook_nonce, row.webhook_sealed, _webhook_aad(row.id),
                      said("sealed.webhook_secret"))
    nonce, sealed = new.seal(plain, _webhook_aad(row.id))
    return {"webhook_nonce": nonce, "webhook_sealed": sealed, "webhook_key_id": new.key_id}


def _audit(conn: Connection, now: datetime, scope: KeyScope, actor: str, source: str, event_in) -> None:
    """The event `event_in(account)` in each account the key covers; once, with no account, for a support key."""
    operation, repo = uuid4(), SqlRepository(conn)
    for account in scope.accounts if scope.accounts is not None else (None,):
        event = event_in(account)
        repo.add_audit(AuditEntry(now, actor, event.action, event.target, account, operation, source, event.detail))


def _scope(row) -> KeyScope:
    accounts = None if row.accounts is None else tuple(row.accounts)
    return KeyScope(row.name, row.person, accounts, key_id=row.id)


def _webhook_aad(key_id: str) -> bytes:
    return f"api key webhook secret {key_id}".encode()


def _checked_name(name: str) -> str:
    try:
        return check_name(name)
    except ValueError as e:
        raise ApiKeyError(problem_of(e)) from None


def _checked_email(email: str) -> str:
    try:
        return normal_email(email)
    except ValueError as e:
        raise ApiKeyError(said("field.problem", field=field_label("--by"), problem=problem_of(e))) from None
