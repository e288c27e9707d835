"""Registration with an invite's token, and opening an envelope: synchronous, on the store."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from domain.envelope import TamperedEnvelope, is_envelope_id, open_sealed
from domain.errors import Refused
from domain.login import WRONG_EMAIL_OR_PASSWORD
from domain.master_keys import MasterKeys
from domain.model import email_key
from domain.passwords import hash_password
from domain.registration import Registered, register
from domain.states import InviteStatus
from domain.tokens import hash_token
from messaging.broker import publish_batch
from producers.services.client import Client
from producers.services.local_client import local_client
from store import credentials, email_locks
from store.reads.envelopes import stored_envelope
from store.tables import invites, users
from store.unit_of_work import SqlUnitOfWork

NO_SUCH_ENVELOPE = "no such envelope for this email and password"


def register_with_token(client: Client, token: str, first: str, last: str, password: str,
                        email: str | None = None, *, client_address: str | None = None,
                        source: str = "cli", language: str | None = None) -> Registered:
    """Accept the invite; its pending grants are journalled as commands in the same transaction. `language`: the
    one the person registered in (the page's), theirs from now on unless they had chosen one.

    A user who already exists gives their current password, checked through the lockout of
    `client_address` (this machine's user if None) before the registration's transaction.
    """
    now = client.clock.now()
    new_hash = hash_password(password)  # before any transaction: hashing is slow
    proven = _current_password_proven(client, hash_token(token), password, now, client_address or local_client())
    with SqlUnitOfWork(client.engine, clock=client.clock) as uow:
        email_locks.lock_for_registration(uow.conn, hash_token(token))  # grants of the email wait, or are seen
        result = register(token, first, last, new_hash, uow.repo, now, email=email, source=source,
                          password_matches=lambda user: proven, language=language)
        if result.retries:
            uow.log.record_submitted(result.retries, now)
        uow.commit()
    if result.retries:  # if the broker cannot take them now, the relay will
        publish_batch(client.celery, client.settings.queue, [c.model_dump(mode="json") for c in result.retries],
                      clock=client.clock)
    return result


def _current_password_proven(client: Client, token_hash: str, password: str, now: datetime,
                             client_address: str) -> bool:
    """Whether the password is that of the invited email's existing user; a lockout is refused.

    Checked in a transaction of its own, so a failure stays counted when the registration is refused. A user
    with no password (to be activated), or one whose person never proved the mailbox (claimed with the new
    password), has none to check: the token alone proves the email.
    """
    with client.engine.connect() as conn:
        invited = conn.execute(select(invites.c.email).where(invites.c.token_hash == token_hash)).scalar()
        has_password = invited is not None and conn.execute(
            select(users.c.email_key).where(users.c.email_key == email_key(invited), users.c.verified,
                                            users.c.password_hash.is_not(None))).first() is not None
    if not has_password:
        return False
    checked = credentials.check_password(client.engine, invited, password, now, client=client_address,
                                         keys=client.master_keys())
    if not checked.ok and checked.reason != WRONG_EMAIL_OR_PASSWORD:
        raise Refused(checked.reason)
    return checked.ok


def open_envelope(client: Client, envelope_id: str, email: str, password: str, *,
                  client_address: str | None = None) -> dict:
    """The decrypted invite message, only for its registered recipient with the right password.

    The password is checked first, through the lockout, whether the envelope exists or not: an unknown
    envelope, a wrong password and an unknown email cost the same and get the same refusal.
    """
    keys = master_keys(client)  # a missing key is said first
    checked = credentials.check_password(client.engine, email, password, client.clock.now(),
                                         client=client_address or local_client(), keys=keys)
    if not checked.ok and checked.reason != WRONG_EMAIL_OR_PASSWORD:
        raise Refused(checked.reason)  # locked: says until when, and nothing about the envelope
    if not checked.ok:
        raise Refused(NO_SUCH_ENVELOPE)
    return read_envelope(client, envelope_id, email, keys).message


@dataclass(frozen=True)
class OpenedEnvelope:
    envelope_id: str
    message: dict
    sealed_at: datetime
    invite_status: str | None  # None: its invite is gone
    invite_open: bool  # its registration link still works


def read_envelope(client: Client, envelope_id: str, email: str, keys: MasterKeys | None = None) -> OpenedEnvelope:
    """The envelope opened for `email`, whom the caller has proven to be (a password, a signed-in session).

    Refused with one generic reason if the id is malformed or unknown or the envelope is someone else's;
    TamperedEnvelope if it fails authentication (nothing of it is returned); WrongMasterKey if its key is not held.
    """
    keys = keys or master_keys(client)
    stored = stored_envelope(client.engine, envelope_id) if is_envelope_id(envelope_id) else None
    if stored is None or stored.recipient_key != email_key(email):
        raise Refused(NO_SUCH_ENVELOPE)
    message = open_sealed(stored.sealed, keys)
    invite_open = (stored.invite_status == InviteStatus.PENDING and stored.invite_expires_at is not None
                   and stored.invite_expires_at > client.clock.now())
    return OpenedEnvelope(envelope_id, message, stored.sealed_at, stored.invite_status, invite_open)


def posted_envelope_recipient(client: Client, envelope_id: str, nonce: bytes, ciphertext: bytes) -> str | None:
    """The recipient key of the stored envelope that these posted parts are, unchanged, and that still opens;
    None if the id is unknown, a part differs, or the stored envelope fails authentication.

    Compared in constant time, so a forger learns nothing of the stored parts from the answer's timing.
    """
    stored = stored_envelope(client.engine, envelope_id) if is_envelope_id(envelope_id) else None
    if stored is None:
        return None
    same = hmac.compare_digest(nonce, stored.sealed.nonce) & hmac.compare_digest(ciphertext, stored.sealed.ciphertext)
    if not same:
        return None
    try:
        open_sealed(stored.sealed, master_keys(client))
    except TamperedEnvelope:
        return None
    return stored.recipient_key


def master_keys(client: Client) -> MasterKeys:
    return client.master_keys()
