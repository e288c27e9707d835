"""The check of a presented API key, shared by every upstream channel (the HTTP API, the broker's intake):
`Bearer <key>` resolved to what the key may do and whom it acts as (domain.api_keys.KeyScope).

A key is an API key (`ea_<id>_<secret>`, made with `envadmin api-key create`); the shared ENVADMIN_API_TOKEN, where
it is set, is still taken as a support key that may name any actor. A wrong key counts in the lockout of the
client (store.secret_tries), as a wrong password does at sign-in; a missing one is no guess and is not counted; a
revoked or expired key with its right secret is refused without being counted.
"""
from __future__ import annotations

import hmac
from datetime import datetime

from sqlalchemy import Connection

from config.master_key import MasterKeyError
from domain.api_keys import KeyScope, key_id_of
from domain.login import retry_after_seconds, too_many_failures
from producers.services.api_messages import said
from producers.services.client import Client
from producers.services.refusal import refused
from store.api_keys import Resolved, resolve_key_in
from store.secret_tries import API_TOKEN, secret_tried_in

LEGACY_TOKEN_KEY = "ENVADMIN_API_TOKEN"  # the name a request with the shared token acts under
_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


def presented_key(authorization: str) -> str | None:
    """The key of an `authorization` value (`Bearer <key>`, the scheme in any case), or None."""
    scheme, _, presented = authorization.partition(" ")
    presented = presented.strip()
    return presented if scheme.lower() == "bearer" and presented else None


LOCKED_ADDRESS = "key.locked.address"  # "this address may not use the API for now: …"
LOCKED_KEY = "key.locked.key"  # "this key …"
LOCKED_KEY_WITHOUT_ID = "key.locked.key_without_id"  # "a key without an id …"


def check_key(client: Client, legacy_token: bytes, authorization: str, caller: str,
              locked: str = LOCKED_ADDRESS) -> KeyScope:
    """What the key of `authorization` may do; Refused (401, 429 while `caller` is locked out, 503 without the
    master key) otherwise. `caller` names the client in the lockout: an address, or what stands for one;
    `locked`, the code of the refusal while it is locked out (the way it names the client)."""
    presented = presented_key(authorization)
    if presented is None:
        raise refused(401, said("key.missing"), _UNAUTHORIZED)
    now = client.clock.now()
    with client.engine.connect() as conn:  # one connection for the key and the lockout: every request pays it
        resolved = _resolve(conn, client, legacy_token, presented, now)
        locked_until = secret_tried_in(conn, API_TOKEN, caller, resolved.right, now)
        conn.commit()
    if locked_until is not None:
        raise refused(429, said(locked, why=too_many_failures(locked_until)),
                      {"Retry-After": str(retry_after_seconds(locked_until, now))})
    if not resolved.right:
        raise refused(401, said("key.wrong"), _UNAUTHORIZED)
    if resolved.refusal is not None:
        raise refused(401, resolved.refusal, _UNAUTHORIZED)
    return resolved.scope


def _resolve(conn: Connection, client: Client, legacy_token: bytes, presented: str, now: datetime) -> Resolved:
    if legacy_token and hmac.compare_digest(presented.encode(), legacy_token):
        return Resolved(True, KeyScope.shared_token(LEGACY_TOKEN_KEY))
    if key_id_of(presented) is None:
        return Resolved(False)
    try:
        keys = client.master_keys()
    except MasterKeyError:
        raise refused(503, said("key.no_master_key")) from None
    return resolve_key_in(conn, keys, presented, now)
