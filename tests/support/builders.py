"""Commands as the CLI submits them, for the tests to set a store up with; a mailbox proven as registration proves
it."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import Engine, update

from domain import passwords
from domain.model import email_key
from producers.services.client import new_command
from store.tables import users

# Argon2id with the least work it allows (1 pass over 1 MiB, one lane), for the password hashes tests store: the
# same verification reads the parameters from the hash, and the production ones (3 passes over 64 MiB, 4 lanes)
# cost a quarter of a second of CPU each time a test signs in with such a password. Hashes the code under test
# makes keep the production parameters.
_LIGHT_ARGON2 = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def light_hash(password: str) -> str:
    """An argon2id hash of `password`, cheap to verify: test data for a user's stored password."""
    return _LIGHT_ARGON2.hash(password)


@contextmanager
def light_hashing():
    """Within the block, what the code hashes is hashed as light_hash hashes it: for a test's set-up only."""
    real = passwords._hasher
    passwords._hasher = _LIGHT_ARGON2
    try:
        yield
    finally:
        passwords._hasher = real


def choose_password(engine: Engine, email: str, temporary: str, own: str, now: datetime):
    """Set-up: the person changes their temporary password for their own, as credentials.change_password does it
    (client "set-up"); the own password's hash is test data, as light_hash makes it. The change's result."""
    from store import credentials  # the store's, imported on use: the builders of commands need none of it

    with light_hashing():
        return credentials.change_password(engine, email, temporary, own, now, client="set-up")


PASSWORD_HASH = light_hash("temporary-pass")
PASSWORD = "a-permanent-passw0rd"  # what an invitee chooses when registering


def account_with_admin(account: str = "1001", admin: str = "alice@example.com"):
    return new_command("create_account", actor="support", source="cli", account=account, name="Acme",
                       admin_email=admin, first_name="Alice", last_name="Admin",
                       password_hash=PASSWORD_HASH)


def add_user(email: str, account: str = "1001", by: str = "alice@example.com", **how):
    """`how`: how the user signs in; a temporary password's hash unless told otherwise."""
    return new_command("add_user", actor=by, source="cli", account=account, email=email,
                       first_name="First", last_name="Last", **{"password_hash": PASSWORD_HASH, **how})


def grant(email: str, account: str = "1001", by: str = "alice@example.com"):
    return new_command("grant_admin", actor=by, source="cli", account=account, email=email)


def revoke(email: str, account: str = "1001", by: str = "alice@example.com"):
    return new_command("revoke_admin", actor=by, source="cli", account=account, email=email)


def mailbox_proven(engine: Engine, email: str) -> None:
    """As if the user's person had registered through a mailed link: another account's grant then reaches them."""
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.email_key == email_key(email)).values(verified=True))

