"""Two accounts on the fake unit of work, committed, for the tests of the apply path without a database."""
from __future__ import annotations

from datetime import timedelta

from domain.handlers import handle

from .fake_unit_of_work import FakeStore
from .handler_steps import ALICE, BOB, CAROL, NOW, add_user, create_account, create_group

ERIN = "erin@example.com"
LEASE = timedelta(seconds=60)


def world() -> FakeStore:
    """Account 1001 (admin Alice, user Carol, group Sales) and 2002 (admin Bob), committed."""
    store = FakeStore()
    for cmd in (create_account("1001", ALICE), create_account("2002", BOB, name="Globex"),
                add_user(CAROL, actor=ALICE), create_group("Sales", actor=ALICE)):
        handle(cmd, store.repo, NOW)
    store.repo.audit.clear()
    return store
