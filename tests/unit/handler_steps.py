"""Commands as the rules' tests issue them, one after the other, applied by handle() to the in-memory repository;
the people and times they are about."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from domain.commands import command_adapter
from domain.errors import Refused
from domain.handlers import handle
from domain.model import SUPPORT
from domain.passwords import hash_password

from .fakes import FakeRepository

HASH = hash_password("Temp-Passw0rd!")
OTHER_HASH = hash_password("Another-Passw0rd!")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
_tick = itertools.count(1)

ALICE = "alice@example.com"     # first admin of account 1001
BOB = "bob@example.com"         # first admin of account 2002
CAROL = "Carol@Example.com"     # a user, not an admin, typed with capitals when added
STRANGER = "nobody@example.com"  # no such user
DAVE = "dave@example.com"       # a second admin of 1001 when a test needs one


def next_time() -> datetime:
    """Every command issued after the previous one unless a test says otherwise."""
    return T0 + timedelta(seconds=next(_tick))


def command(type_: str, *, actor: str = SUPPORT, account: str = "1001",
            issued_at: datetime | None = None, id: UUID | None = None, **fields):
    return command_adapter.validate_python({
        "type": type_, "id": id or uuid4(), "issued_at": issued_at or next_time(),
        "actor": actor, "source": "cli", "correlation_id": "unit-test", "account": account,
        **fields})


def create_account(account: str, admin: str, name: str = "Acme", password_hash: str = HASH, **kw):
    return command("create_account", account=account, name=name, admin_email=admin,
                   first_name="First", last_name="Admin", password_hash=password_hash, **kw)


def add_user(email: str, **kw):
    return command("add_user", email=email, first_name="Some", last_name="One",
                   password_hash=HASH, **kw)


def grant(email: str, **kw):
    return command("grant_admin", email=email, **kw)


def revoke(email: str, **kw):
    return command("revoke_admin", email=email, **kw)


def create_group(group: str, **kw):
    return command("create_group", group=group, **kw)


def rename_group(group: str, new_name: str, **kw):
    return command("rename_group", group=group, new_name=new_name, **kw)


def delete_group(group: str, **kw):
    return command("delete_group", group=group, **kw)


def add_member(group: str, email: str, **kw):
    return command("add_member", group=group, email=email, **kw)


def remove_member(group: str, email: str, **kw):
    return command("remove_member", group=group, email=email, **kw)


def apply(repo: FakeRepository, cmd):
    return handle(cmd, repo, NOW)


def refused(repo: FakeRepository, cmd, error=Refused) -> str:
    """Apply a command that must be refused; check it changed nothing; return the reason."""
    before = repo.snapshot()
    with pytest.raises(error) as raised:
        apply(repo, cmd)
    assert repo.snapshot() == before
    return raised.value.reason


# --- creating accounts ---------------------------------------------------------------------------
