"""Password hashing (argon2id) and generation of temporary passwords."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash, safe to store and to send."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_temporary_password() -> str:
    """A random password to show once to the administrator who creates a user."""
    return secrets.token_urlsafe(12)


def check_new_password(password: str) -> str:
    """The password if it is acceptable, else ValueError saying why."""
    if len(password) < 8:
        raise ValueError("password must be at least 8 characters long")
    if len(password) > 256:
        raise ValueError("password must be at most 256 characters long")
    return password
