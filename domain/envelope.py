"""Encrypted envelopes: a message sealed with AES-GCM under its own key, the key wrapped under the master key."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


class TamperedEnvelope(Exception):
    """Raised when an envelope or its wrapped key fails authentication: nothing of it is returned."""


@dataclass(frozen=True)
class SealedEnvelope:
    """What is stored and mailed: ciphertexts and nonces, never a clear key."""

    envelope_id: str
    nonce: bytes
    ciphertext: bytes
    key_nonce: bytes
    wrapped_key: bytes


def seal(envelope_id: str, message: dict, master_key: bytes) -> SealedEnvelope:
    """Encrypt the message under a fresh key; the envelope id is authenticated with it."""
    key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    nonce, key_nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
    aad = envelope_id.encode()
    ciphertext = AESGCM(key).encrypt(nonce, json.dumps(message, sort_keys=True).encode(), aad)
    wrapped = AESGCM(_checked(master_key)).encrypt(key_nonce, key, aad)
    return SealedEnvelope(envelope_id, nonce, ciphertext, key_nonce, wrapped)


def open_sealed(sealed: SealedEnvelope, master_key: bytes) -> dict:
    """The message, or TamperedEnvelope if any byte of the envelope or its key was changed."""
    aad = sealed.envelope_id.encode()
    try:
        key = AESGCM(_checked(master_key)).decrypt(sealed.key_nonce, sealed.wrapped_key, aad)
        plain = AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, aad)
    except (InvalidTag, ValueError) as e:
        raise TamperedEnvelope(f"envelope {sealed.envelope_id} failed authentication") from e
    return json.loads(plain)


def _checked(master_key: bytes) -> bytes:
    if len(master_key) != KEY_BYTES:
        raise ValueError(f"the master key must be {KEY_BYTES} bytes, not {len(master_key)}")
    return master_key
