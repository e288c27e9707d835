"""Encrypted envelopes: a message sealed with AES-GCM under its own key, the key wrapped under the master key."""
from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.master_keys import KEY_BYTES, NONCE_BYTES, MasterKey, MasterKeys
from domain.said import said

_ENVELOPE_ID = re.compile(r"[0-9a-f]{32}")  # a uuid4's hex, as sealed


def is_envelope_id(text: str) -> bool:
    """Whether `text` has the shape of an envelope id: anything else is no envelope, and never reaches a query."""
    return _ENVELOPE_ID.fullmatch(text) is not None


class TamperedEnvelope(Exception):
    """Raised when an envelope or its wrapped key fails authentication: nothing of it is returned."""


@dataclass(frozen=True)
class SealedEnvelope:
    """What is stored and mailed: ciphertexts and nonces, never a clear key; key_id names the master key."""

    envelope_id: str
    nonce: bytes
    ciphertext: bytes
    key_nonce: bytes
    wrapped_key: bytes
    key_id: str | None  # None: wrapped before key ids were stored


def seal(envelope_id: str, message: dict, master: MasterKey) -> SealedEnvelope:
    """Encrypt the message under a fresh key; the envelope id is authenticated with it."""
    key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    nonce = os.urandom(NONCE_BYTES)
    aad = envelope_id.encode()
    ciphertext = AESGCM(key).encrypt(nonce, json.dumps(message, sort_keys=True).encode(), aad)
    key_nonce, wrapped = master.seal(key, aad)
    return SealedEnvelope(envelope_id, nonce, ciphertext, key_nonce, wrapped, master.key_id)


def open_sealed(sealed: SealedEnvelope, keys: MasterKeys) -> dict:
    """The message; WrongMasterKey if its key was wrapped by a key not held, TamperedEnvelope if changed."""
    try:
        plain = AESGCM(_envelope_key(sealed, keys)).decrypt(sealed.nonce, sealed.ciphertext,
                                                            sealed.envelope_id.encode())
    except (InvalidTag, ValueError) as e:
        raise TamperedEnvelope(f"envelope {sealed.envelope_id} failed authentication") from e
    return json.loads(plain)


def rewrap(sealed: SealedEnvelope, keys: MasterKeys, new: MasterKey) -> SealedEnvelope:
    """The same envelope, its key wrapped under `new` instead; the message itself is not touched."""
    key_nonce, wrapped = new.seal(_envelope_key(sealed, keys), sealed.envelope_id.encode())
    return dataclasses.replace(sealed, key_nonce=key_nonce, wrapped_key=wrapped, key_id=new.key_id)


def _envelope_key(sealed: SealedEnvelope, keys: MasterKeys) -> bytes:
    try:
        return keys.open(sealed.key_id, sealed.key_nonce, sealed.wrapped_key, sealed.envelope_id.encode(),
                         said("sealed.envelope", id=str(sealed.envelope_id)))
    except (InvalidTag, ValueError) as e:
        raise TamperedEnvelope(f"envelope {sealed.envelope_id} failed authentication") from e
