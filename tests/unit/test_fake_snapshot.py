"""The fake's snapshot sees every write: `refused(...)` catches a handler that wrote, then refused.

The store rolls a refused command's savepoint back; the unit tests check the same promise by comparing the
fake repository's snapshot before and after. A write the snapshot does not cover would slip through.
"""
from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import pytest

from domain import commands as c
from domain.errors import Refused
from domain.handlers import HANDLERS
from domain.states import GrantStatus, InviteStatus

from .handler_steps import ALICE, NOW, STRANGER, apply, grant, refused, revoke


def new_invite(fake):
    [(sent, _, _)] = fake.mails
    return replace(sent, id=uuid4(), token_hash=uuid4().hex)


def new_grant(fake):
    [(grant_, _)] = fake.grants.values()
    return replace(grant_, id=uuid4(), command_id=uuid4())


WRITES = {
    "an invite": lambda fake: fake.add_invite(new_invite(fake)),
    "a pending grant": lambda fake: fake.add_pending_grant(new_grant(fake)),
    "an invite mail": lambda fake: fake.send_invite_mail(new_invite(fake), "token", "administrator"),
    "an invite's status": lambda fake: fake.set_invite_status(
        next(iter(fake.invites)), InviteStatus.CANCELLED, "cancelled", NOW),
    "a closed pending grant": lambda fake: fake.close_pending_grant(
        next(iter(fake.grants)), GrantStatus.CANCELLED, "cancelled", NOW),
}


@pytest.fixture
def invited(repo):
    """The repository with one grant pending for STRANGER: an invite, its mail and the pending grant."""
    apply(repo, grant(STRANGER, actor=ALICE))
    return repo


def refusing_after(write):
    """A revoke handler that makes the write, then refuses."""
    def handler(cmd, fake, now):
        write(fake)
        raise Refused("refused after a write")
    return handler


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_refused_catches_a_handler_that_wrote_then_refused(invited, monkeypatch, write):
    monkeypatch.setitem(HANDLERS, c.RevokeAdmin, refusing_after(write))

    with pytest.raises(AssertionError):
        refused(invited, revoke(STRANGER, actor=ALICE))


def test_refused_accepts_a_handler_that_refused_before_writing(invited, monkeypatch):
    monkeypatch.setitem(HANDLERS, c.RevokeAdmin, refusing_after(lambda fake: None))

    assert refused(invited, revoke(STRANGER, actor=ALICE)) == "refused after a write"
