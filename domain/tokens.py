"""Registration tokens: 256 random bits, shown once in the mail, stored only as a hash."""
from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 suffices: the token is random and long, so there is nothing to brute-force."""
    return hashlib.sha256(token.strip().encode()).hexdigest()
