"""Re-wraps what the master key protects (envelope keys, mail bodies, API keys' webhook secrets) under a new master
key, in batches.

Each batch is one transaction and stamps its rows with the new key's id, so a run that is interrupted
resumes where it stopped: the next run picks only rows not yet under the new key.

Temporary password hashes and API key hashes are keyed from a master key too (domain.passwords, domain.api_keys),
but a hash cannot be re-wrapped: they are only counted, by key, so the operator knows which old key they still need.
(An API key's hash moves to the current key by itself the next time the key is used: store.api_keys.resolve_key.)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from cryptography.exceptions import InvalidTag
from sqlalchemy import Engine, Row, Table, func, or_, select, true

from domain.api_keys import HASH_PREFIX as API_KEY_HASH_PREFIX
from domain.envelope import SealedEnvelope, TamperedEnvelope, rewrap
from domain.master_keys import MasterKey, MasterKeys, WrongMasterKey
from domain.passwords import KEY_ID_CHARS, TEMPORARY_HASH_PREFIX
from domain.said import MESSAGES, N_, said
from store.api_keys import resealed_webhook_secret
from store.bulk_sql import update_rows
from store.mail_outbox import rewrapped_body
from store.tables import api_keys, envelopes, mail_outbox, users

SEALING_TABLES = ("envelopes", "mail_outbox", "api_keys")  # the tables whose rows hold a secret a master key wraps
MESSAGES.update({
    "rotation.unknown_key.envelopes": (
        N_("{count} envelope key is wrapped by master key {key}, which is neither the new key nor a configured one "
           "({keys}): add that key to ENVADMIN_OLD_MASTER_KEYS and run again; nothing was changed"),
        N_("{count} envelope keys are wrapped by master key {key}, which is neither the new key nor a configured one "
           "({keys}): add that key to ENVADMIN_OLD_MASTER_KEYS and run again; nothing was changed")),
    "rotation.unknown_key.mail_outbox": (
        N_("{count} mail body is wrapped by master key {key}, which is neither the new key nor a configured one "
           "({keys}): add that key to ENVADMIN_OLD_MASTER_KEYS and run again; nothing was changed"),
        N_("{count} mail bodies are wrapped by master key {key}, which is neither the new key nor a configured one "
           "({keys}): add that key to ENVADMIN_OLD_MASTER_KEYS and run again; nothing was changed")),
    "rotation.unknown_key.api_keys": (
        N_("{count} webhook secret is wrapped by master key {key}, which is neither the new key nor a configured "
           "one ({keys}): add that key to ENVADMIN_OLD_MASTER_KEYS and run again; nothing was changed"),
        N_("{count} webhook secrets are wrapped by master key {key}, which is neither the new key nor a configured "
           "one ({keys}): add that key to ENVADMIN_OLD_MASTER_KEYS and run again; nothing was changed")),
})


@dataclass
class RotationReport:
    """How many rows each table had re-wrapped, and the rows no configured key could open."""

    rewrapped: dict[str, int] = field(default_factory=lambda: {name: 0 for name in SEALING_TABLES})
    unreadable: list[str] = field(default_factory=list)


def wrapped_counts(engine: Engine) -> dict[str, dict[str | None, int]]:
    """Rows of each table by the id of the master key that wraps them (None: from before key ids)."""
    with engine.connect() as conn:
        return {table.name: dict(conn.execute(select(_wrapping_key(table), func.count()).where(_wrapped(table))
                                              .group_by(_wrapping_key(table))).all())
                for table in (envelopes, mail_outbox, api_keys)}


def api_key_hash_counts(engine: Engine) -> dict[str, int]:
    """Usable API keys whose hash is keyed from each master key, by the key's id."""
    key_id = func.substr(api_keys.c.key_hash, len(API_KEY_HASH_PREFIX) + 1, KEY_ID_CHARS)
    with engine.connect() as conn:
        return dict(conn.execute(select(key_id, func.count()).where(api_keys.c.revoked_at.is_(None))
                                 .group_by(key_id)).all())


def temporary_password_counts(engine: Engine) -> dict[str, int]:
    """Users whose temporary password hash is keyed from each master key, by the key's id."""
    key_id = func.substr(users.c.password_hash, len(TEMPORARY_HASH_PREFIX) + 1, KEY_ID_CHARS)
    with engine.connect() as conn:
        return dict(conn.execute(select(key_id, func.count())
                                 .where(users.c.password_hash.startswith(TEMPORARY_HASH_PREFIX, autoescape=True))
                                 .group_by(key_id)).all())


def rotate_master_key(engine: Engine, keys: MasterKeys, new: MasterKey, batch: int = 500,
                      after_batch: Callable[[str, int], None] | None = None) -> RotationReport:
    """Re-wrap every envelope key and mail body not yet under `new`; `keys` must open what they are under.

    Refuses before changing anything if a row names a master key that neither `keys` nor `new` is.
    `after_batch(table, rows)` is called after each committed batch.
    """
    reader = check_rotation(engine, keys, new)
    report = RotationReport()
    for table, rewrapped in ((envelopes, _envelope_columns), (mail_outbox, rewrapped_body),
                             (api_keys, resealed_webhook_secret)):
        after = None
        while True:
            with engine.begin() as conn:
                rows = conn.execute(_not_yet_under(table, new, after, batch)).all()
                if not rows:
                    break
                changes = []
                for row in rows:
                    try:
                        changes.append({"id": row.id, **rewrapped(row, reader, new)})
                    except (InvalidTag, TamperedEnvelope, WrongMasterKey, ValueError) as e:
                        report.unreadable.append(f"{table.name} {row.id}: {str(e) or type(e).__name__}")
                update_rows(conn, table, "id", changes)
                after = rows[-1].id
            report.rewrapped[table.name] += len(changes)
            if after_batch is not None:
                after_batch(table.name, len(changes))
    return report


def _not_yet_under(table: Table, new: MasterKey, after, batch: int):
    """The next batch of rows whose key id is not the new key's, by id; locked against a sender."""
    key_id = _wrapping_key(table)
    query = select(table).where(_wrapped(table), or_(key_id.is_(None), key_id != new.key_id))
    if after is not None:  # rows that could not be opened are left behind the cursor, not read again
        query = query.where(table.c.id > after)
    return query.order_by(table.c.id).limit(batch).with_for_update()


def _wrapping_key(table: Table):
    """The column naming the master key that wraps a row's secret."""
    return table.c.webhook_key_id if table is api_keys else table.c.key_id


def _wrapped(table: Table):
    """Rows that hold a wrapped secret: an API key has one only if it has a callback."""
    return table.c.webhook_sealed.is_not(None) if table is api_keys else true()


def _envelope_columns(row: Row, keys: MasterKeys, new: MasterKey) -> dict:
    sealed = SealedEnvelope(row.id, row.nonce, row.ciphertext, row.key_nonce, row.wrapped_key, row.key_id)
    moved = rewrap(sealed, keys, new)
    return {"key_nonce": moved.key_nonce, "wrapped_key": moved.wrapped_key, "key_id": moved.key_id}


def check_rotation(engine: Engine, keys: MasterKeys, new: MasterKey) -> MasterKeys:
    """The keys a rotation reads with; WrongMasterKey if some row is under a key neither configured nor new."""
    reader = MasterKeys(new, [keys.current, *keys.older])
    for table, counts in wrapped_counts(engine).items():
        for key_id, count in counts.items():
            if not reader.holds(key_id):
                raise WrongMasterKey(said(f"rotation.unknown_key.{table}", count=count, key=key_id,
                                          keys=", ".join(reader.ids)))
    return reader
