"""Password hashing: argon2id for the passwords people choose, a keyed HMAC for the temporary ones the system makes.

A temporary hash reads `$envadmin-temporary-hmac-sha256$v=1$key=<master key id>$<base64 of the HMAC-SHA256>`.
"""
from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.field_messages import said
from domain.master_keys import MasterKey, MasterKeys

PASSWORD_MIN, PASSWORD_MAX = 8, 256  # characters of a password a person chooses
TEMPORARY_PASSWORD_BYTES = 12  # 96 random bits
TEMPORARY_SCHEME = "$envadmin-temporary-hmac-sha256$"
TEMPORARY_HASH_PREFIX = f"{TEMPORARY_SCHEME}v=1$key="  # then the key id, "$" and the digest
KEY_ID_CHARS = 16
_TEMPORARY_HASH = re.compile(re.escape(TEMPORARY_HASH_PREFIX)
                             + rf"(?P<key_id>[0-9a-f]{{{KEY_ID_CHARS}}})\$(?P<digest>[A-Za-z0-9+/]{{43}})")
_HMAC_KEY_INFO = b"envadmin temporary password hashes v1"

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash, safe to store and to send: for a password a person or an upstream system chooses."""
    return _hasher.hash(password)


def hash_temporary_password(password: str, key: MasterKey) -> str:
    """The hash of a temporary password the system generated, keyed from `key` (named in it): microseconds.

    No salt: a salt defeats tables computed ahead and tells apart two people with one password, and neither
    happens to a 96-bit random secret that is never chosen twice; without the master key nobody can even
    test a guess against the stored hash.
    """
    return f"{TEMPORARY_HASH_PREFIX}{key.key_id}${key.keyed_digest(password, _HMAC_KEY_INFO)}"


def is_temporary_hash(password_hash: str) -> bool:
    """Whether this is a well-formed temporary hash (hash_temporary_password)."""
    return _TEMPORARY_HASH.fullmatch(password_hash) is not None


def temporary_hash_key_id(password_hash: str) -> str | None:
    """The id of the master key a temporary hash is keyed from; None for any other hash."""
    found = _TEMPORARY_HASH.fullmatch(password_hash)
    return found["key_id"] if found else None


def verify_password(password_hash: str, password: str, keys: MasterKeys | None = None) -> bool:
    """Whether the password matches: an argon2id hash, or a temporary hash whose key `keys` holds.

    A temporary hash that names a key not in `keys` (or with no keys given) does not verify.
    """
    if password_hash.startswith(TEMPORARY_SCHEME):
        return _verify_temporary(password_hash, password, keys)
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_temporary_password() -> str:
    """A random password to show once to the administrator who creates a user."""
    return secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)


def check_new_password(password: str) -> str:
    """The password if it is acceptable, else ValueError saying why (a domain.said message)."""
    if len(password) < PASSWORD_MIN:
        raise ValueError(said("password.too_short", minimum=PASSWORD_MIN))
    if len(password) > PASSWORD_MAX:
        raise ValueError(said("password.too_long", maximum=PASSWORD_MAX))
    return password


def _verify_temporary(password_hash: str, password: str, keys: MasterKeys | None) -> bool:
    found = _TEMPORARY_HASH.fullmatch(password_hash)
    return found is not None and keys is not None and keys.digest_matches(
        found["key_id"], password, _HMAC_KEY_INFO, found["digest"], said("sealed.temporary_password_hash"))

