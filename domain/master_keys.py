"""Master keys: the one that wraps new secrets, older ones that still open, each known by a short id."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache
from typing import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretBytes

from domain.said import MESSAGES, N_, said

KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_BYTES = 8


class WrongMasterKey(Exception):
    """Raised when a secret was wrapped by a master key this process is not configured with."""


MESSAGES.update({
    "master_key.wrong": N_("{what} is wrapped by master key {key}, not the configured key {current}"),
    "master_key.wrong.older": N_(
        "{what} is wrapped by master key {key}, not the configured key {current} nor an old key ({older})"),
    # what a master key wraps, as such a message names it
    "sealed.envelope": N_("envelope {id}"),
    "sealed.mail": N_("mail {id}"),
    "sealed.webhook_secret": N_("a webhook secret"),
    "sealed.temporary_password_hash": N_("a temporary password hash"),
    "sealed.api_key_hash": N_("an API key hash"),
})


def key_id_of(key: bytes) -> str:
    """The first 8 bytes of the key's SHA-256, in hex: names the key without revealing it."""
    return hashlib.sha256(key).hexdigest()[:KEY_ID_BYTES * 2]


class MasterKey:
    """A 32-byte AES-GCM key and its id; its bytes never show in repr, str or errors."""

    __slots__ = ("secret", "key_id")

    def __init__(self, key: bytes | SecretBytes):
        secret = key if isinstance(key, SecretBytes) else SecretBytes(key)
        if len(secret.get_secret_value()) != KEY_BYTES:
            raise ValueError(f"a master key must be {KEY_BYTES} bytes, not {len(secret.get_secret_value())}")
        self.secret = secret
        self.key_id = key_id_of(secret.get_secret_value())

    def __repr__(self) -> str:
        return f"MasterKey(id={self.key_id})"

    __str__ = __repr__

    def seal(self, plain: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """A fresh nonce and the ciphertext of `plain`, bound to `aad`."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce, AESGCM(self.secret.get_secret_value()).encrypt(nonce, plain, aad)

    def open(self, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        """The plain bytes; InvalidTag if any byte (or the aad) differs from what was sealed."""
        return AESGCM(self.secret.get_secret_value()).decrypt(nonce, ciphertext, aad)

    def keyed_digest(self, text: str, purpose: bytes) -> str:
        """HMAC-SHA256 of `text` (unpadded base64) under a key derived from this one for `purpose`, so that the
        digests of one purpose (temporary passwords, API keys) never serve another."""
        mac = hmac.digest(_derived_key(self.secret.get_secret_value(), purpose),
                          text.encode("utf-8", "surrogatepass"), "sha256")
        return base64.b64encode(mac).decode().rstrip("=")


@lru_cache(maxsize=32)
def _derived_key(master: bytes, purpose: bytes) -> bytes:
    """The HMAC key of a purpose, derived once per master key: a job hashes 100,000 temporary passwords, and every
    API request hashes its key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


class MasterKeys:
    """The key that wraps new secrets, then older keys that still open what they wrapped (a rotation)."""

    def __init__(self, current: MasterKey, older: Iterable[MasterKey] = ()):
        self.current = current
        unique: dict[str, MasterKey] = {}
        for key in older:
            if key.key_id != current.key_id:
                unique.setdefault(key.key_id, key)
        self.older = tuple(unique.values())

    @classmethod
    def from_secrets(cls, current: SecretBytes, older: Iterable[SecretBytes] = ()) -> "MasterKeys":
        """The ring of configured keys, as the settings hold them."""
        return cls(MasterKey(current), [MasterKey(key) for key in older])

    def __repr__(self) -> str:
        return f"MasterKeys(current={self.current.key_id}, older={[k.key_id for k in self.older]})"

    @property
    def ids(self) -> list[str]:
        return [self.current.key_id, *(key.key_id for key in self.older)]

    def holds(self, key_id: str | None) -> bool:
        return key_id is None or key_id in self.ids

    def refusal(self, what: str, key_id: str) -> WrongMasterKey:
        """The clear error for a secret wrapped by a key this ring does not hold."""
        if self.older:
            return WrongMasterKey(said("master_key.wrong.older", what=what, key=key_id, current=self.current.key_id,
                                       older=", ".join(k.key_id for k in self.older)))
        return WrongMasterKey(said("master_key.wrong", what=what, key=key_id, current=self.current.key_id))

    def candidates(self, key_id: str | None, what: str) -> list[MasterKey]:
        """The key that wrapped it; every key for a secret from before key ids were stored."""
        if key_id is None:
            return [self.current, *self.older]
        for key in (self.current, *self.older):
            if key.key_id == key_id:
                return [key]
        raise self.refusal(what, key_id)

    def digest_matches(self, key_id: str, text: str, purpose: bytes, digest: str, what: str) -> bool:
        """Whether `digest` is the keyed digest of `text` for `purpose` under the master key `key_id`, compared in
        constant time; False for a key this ring does not hold."""
        try:
            [key] = self.candidates(key_id, what)
        except WrongMasterKey:
            return False
        return hmac.compare_digest(key.keyed_digest(text, purpose).encode(), digest.encode())

    def open(self, key_id: str | None, nonce: bytes, ciphertext: bytes, aad: bytes, what: str) -> bytes:
        """Open with the key named by key_id: WrongMasterKey if not held, InvalidTag if tampered."""
        failure: InvalidTag | None = None
        for key in self.candidates(key_id, what):
            try:
                return key.open(nonce, ciphertext, aad)
            except InvalidTag as e:
                failure = e
        raise failure
