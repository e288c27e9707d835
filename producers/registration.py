"""Registration with an invite's token, and opening an envelope: synchronous, on the store."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from domain.envelope import SealedEnvelope, open_sealed
from domain.errors import Refused
from domain.master_keys import MasterKeys
from domain.model import email_key
from domain.passwords import hash_password, verify_password
from domain.registration import Registered, register
from messaging.broker import publish_batch
from producers.client import Client
from store.tables import envelopes, users
from store.unit_of_work import SqlUnitOfWork


def register_with_token(client: Client, token: str, first: str, last: str, password: str,
                        email: str | None = None) -> Registered:
    """Accept the invite; its pending grants are journalled as commands in the same transaction."""
    now = datetime.now(timezone.utc)
    with SqlUnitOfWork(client.engine) as uow:
        result = register(token, first, last, hash_password(password), uow.repo, now, email=email,
                          password_matches=lambda user: verify_password(user.password_hash, password))
        if result.retries:
            uow.log.record_submitted(result.retries, now)
        uow.commit()
    if result.retries:  # if the broker cannot take them now, the relay will
        publish_batch(client.celery, client.settings.queue, [c.model_dump(mode="json") for c in result.retries])
    return result


def open_envelope(client: Client, envelope_id: str, email: str, password: str) -> dict:
    """The decrypted invite message, only for its registered recipient with the right password."""
    keys = MasterKeys.from_secrets(*client.settings.master_key_secrets())  # a missing key is said first
    with client.engine.connect() as conn:
        row = conn.execute(select(envelopes).where(envelopes.c.id == envelope_id)).first()
        user = conn.execute(select(users.c.password_hash).where(users.c.email_key == email_key(email))).first()
    if row is None or user is None or row.recipient_key != email_key(email) \
            or not verify_password(user.password_hash or "", password):
        raise Refused("no such envelope for this email and password")
    return open_sealed(SealedEnvelope(row.id, row.nonce, row.ciphertext, row.key_nonce, row.wrapped_key,
                                      row.key_id), keys)
