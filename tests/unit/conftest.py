"""Fixtures of the unit tests."""
from __future__ import annotations

import pytest

from .fake_unit_of_work import FakeStore
from .fake_world import world
from .fakes import FakeRepository
from .handler_steps import ALICE, BOB, CAROL, add_user, apply, create_account, create_group


@pytest.fixture
def empty():
    return FakeRepository()


@pytest.fixture
def repo():
    """Account 1001 (admin alice) with user Carol and group Sales; account 2002 (admin bob)."""
    r = FakeRepository()
    apply(r, create_account("1001", ALICE))
    apply(r, create_account("2002", BOB, name="Globex"))
    apply(r, add_user(CAROL, actor=ALICE))
    apply(r, create_group("Sales", actor=ALICE))
    r.audit.clear()
    return r


@pytest.fixture
def store() -> FakeStore:
    """The two accounts of fake_world on the fake unit of work."""
    return world()
