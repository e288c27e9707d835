"""workers.bulk_apply on the fake unit of work, without a database: a run of membership commands and new accounts
and users, read ahead and applied set-based, each finished in the log; whatever it does not expect is raised so
the chunk goes the one-by-one way."""
from __future__ import annotations

from datetime import timedelta

import pytest

from domain import commands as c
from domain.errors import Refused
from domain.handlers import MEMBERSHIP_HANDLERS
from domain.invite_limits import InviteLimits
from domain.model import ADMIN_GROUP, ADMIN_GROUP_KEY, WHOLE_GROUP, email_key, group_key
from domain.states import CommandStatus
from workers.bulk_apply import NotForBulk, apply_run, can_bulk

from .fake_unit_of_work import FakeStore
from .fake_world import ERIN
from .handler_steps import (
    ALICE,
    CAROL,
    NOW,
    STRANGER,
    add_member,
    add_user,
    command,
    create_account,
    create_group,
    grant,
    remove_member,
    revoke,
)

LEASE = timedelta(seconds=60)


def run(store: FakeStore, *cmds: c.Command):
    """The commands journalled and claimed, then applied as one run in a unit of work that commits."""
    store.log.record_submitted(list(cmds), NOW)
    store.log.claim([cmd.id for cmd in cmds], NOW, LEASE)
    with store.unit_of_work() as uow:
        result = apply_run(list(cmds), uow, NOW)
        uow.commit()
    return result


@pytest.mark.parametrize(("cmd", "bulk"), [
    (grant(CAROL), True), (revoke(CAROL), True), (add_member("Sales", CAROL), True),
    (remove_member("Sales", CAROL), True), (create_account("3003", ERIN), True), (add_user(ERIN), True),
    (create_group("Ops"), False), (command("invite_user", email=ERIN), False),
    (command("resend_invite", email=ERIN), False),
    (c.system_command(c.GrantAdmin, **grant(CAROL).model_dump(exclude={"type", "retry_of"}),
                      retry_of=grant(CAROL).id), False),
], ids=lambda value: getattr(value, "type", str(value)))
def test_the_set_based_way_takes_membership_commands_and_new_accounts_and_users_but_no_retry(cmd, bulk):
    assert can_bulk(cmd) is bulk
    assert not can_bulk(cmd) or type(cmd) in MEMBERSHIP_HANDLERS


def test_a_run_is_read_ahead_applied_and_finished_in_the_log(store):
    cmds = [grant(CAROL, actor=ALICE), add_member("Sales", CAROL, actor=ALICE), grant(ERIN, actor=ALICE)]

    statuses, mails = run(store, *cmds)

    assert statuses == [CommandStatus.APPLIED, CommandStatus.APPLIED, CommandStatus.PENDING]
    assert [store.status(cmd.id) for cmd in cmds] == statuses
    [(invite, _, _)] = store.repo.mails
    assert invite.email == ERIN and len(mails) == 1
    [(numbers, targets, actors, clocks)] = store.prefetched
    assert (numbers, targets, actors) == ({"1001"}, {email_key(CAROL), email_key(ERIN)}, {email_key(ALICE)})
    assert clocks == {("1001", ADMIN_GROUP_KEY, email_key(CAROL)), ("1001", group_key("Sales"), email_key(CAROL)),
                      ("1001", group_key("Sales"), WHOLE_GROUP), ("1001", ADMIN_GROUP_KEY, email_key(ERIN))}


def test_a_refusal_before_any_write_is_its_commands_status_in_the_run(store):
    refused, fine = grant(CAROL, actor=STRANGER), grant(CAROL, actor=ALICE)

    statuses, _ = run(store, refused, fine)

    assert statuses == [CommandStatus.REJECTED, CommandStatus.APPLIED]
    assert store.log.rows[refused.id].reason == f"{STRANGER} is not an administrator of account 1001"


def test_a_refusal_after_a_write_sends_the_run_the_one_by_one_way_and_keeps_nothing(store, monkeypatch):
    def writes_then_refuses(cmd, repo, now):
        repo.set_clock(cmd.account, ADMIN_GROUP_KEY, email_key(cmd.email), cmd.issued_at, cmd.id)
        raise Refused("refused after a write")
    monkeypatch.setitem(MEMBERSHIP_HANDLERS, c.GrantAdmin, writes_then_refuses)
    before = store.repo.snapshot()

    with pytest.raises(NotForBulk, match="refused after it wrote"):
        run(store, grant(CAROL, actor=ALICE))

    assert store.repo.snapshot() == before


def test_a_command_that_asks_for_follow_ups_sends_the_run_the_one_by_one_way(store):
    held = grant(STRANGER, actor=ALICE)
    run(store, held)

    with pytest.raises(NotForBulk, match="asked for follow-up commands"):
        run(store, add_user(STRANGER, actor=ALICE))  # retries the pending grant

    assert store.status(held.id) == CommandStatus.PENDING and store.repo.user(STRANGER) is None


def test_a_grant_held_then_revoked_in_the_same_run_ends_superseded_by_the_revoke(store):
    held, revoked = grant(STRANGER, actor=ALICE), revoke(STRANGER, actor=ALICE)

    statuses, _ = run(store, held, revoked)

    assert statuses == [CommandStatus.SUPERSEDED, CommandStatus.APPLIED]
    assert store.log.rows[held.id].reason == f"revoked by {ALICE} before registration (command {revoked.id})"
    assert not store.repo.has_member("1001", ADMIN_GROUP, STRANGER)


def test_a_run_whose_command_another_worker_finished_meanwhile_goes_the_one_by_one_way(store):
    first, second = grant(CAROL, actor=ALICE), add_user(ERIN, actor=ALICE)
    store.log.record_submitted([first, second], NOW)
    store.log.rows[second.id].status = CommandStatus.APPLIED  # a copy applied elsewhere after this claim

    with store.unit_of_work() as uow, pytest.raises(NotForBulk, match="no longer queued"):
        apply_run([first, second], uow, NOW)

    assert store.status(first.id) == CommandStatus.QUEUED  # the unit of work was not committed
    assert not store.repo.has_member("1001", ADMIN_GROUP, CAROL)


def test_the_invites_a_limit_refused_in_the_run_are_counted(store):
    store.repo.invite_limits = InviteLimits(per_account_per_hour=1)

    invites = [grant(email, actor=ALICE) for email in (STRANGER, ERIN, "frank@example.com")]

    statuses, _ = run(store, *invites)

    assert statuses == [CommandStatus.PENDING, CommandStatus.REJECTED, CommandStatus.REJECTED]
    assert store.figures.invite_refusals == {"account": 2}
