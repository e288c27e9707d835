"""workers.apply on the fake unit of work, without a database: each command of a message once, with its status
in the same transaction; refusals, failures and pending grants; what a failure leaves for the next try."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import OperationalError

from domain import commands as c
from domain.invite_limits import InviteLimits
from domain.model import ADMIN_GROUP, email_key
from domain.states import CommandStatus, GrantStatus
from workers.apply import apply_message

from .fake_unit_of_work import FakeStore
from .fake_world import ERIN, LEASE
from .handler_steps import ALICE, CAROL, DAVE, NOW, STRANGER, add_user, command, create_group, grant, revoke


def submitted(store: FakeStore, *cmds: c.Command, sent_at: datetime | None = None) -> dict:
    """The commands journalled, as a producer does first, and the message that carries them."""
    store.log.record_submitted(list(cmds), NOW)
    return message(*cmds, sent_at=sent_at)


def message(*cmds: c.Command, sent_at: datetime | None = None) -> dict:
    found = {"commands": [cmd.model_dump(mode="json") for cmd in cmds]}
    return found | ({"sent_at": sent_at.isoformat()} if sent_at else {})


def deliver(store: FakeStore, msg: object, *, max_attempts: int = 5, chunk: int = 500, queue: str | None = None,
            mails: list | None = None) -> dict[str, int]:
    report = apply_message(msg, store.unit_of_work, max_attempts=max_attempts, chunk=chunk, lease=LEASE,
                           mails_committed=(mails if mails is not None else []).extend, queue=queue)
    return report.statuses


def failing_on(store: FakeStore, monkeypatch, method: str, key: str) -> None:
    """The repository's `method` raises an unexpected error whenever it is called about `key` (an email key or a
    group name): a bug, or a row the store cannot take."""
    real = getattr(store.repo, method)

    def broken(*args, **kwargs):
        if any(key in (getattr(arg, "key", None), getattr(arg, "name", None)) for arg in args):
            raise RuntimeError(f"cannot write {key}")
        return real(*args, **kwargs)
    monkeypatch.setattr(store.repo, method, broken)


def tables(store: FakeStore) -> tuple:
    return store.repo.snapshot()


# --- each command once -------------------------------------------------------------------------------------------

def test_each_command_of_a_message_is_applied_once_with_its_status_and_audit(store):
    cmds = [grant(CAROL, actor=ALICE), add_user(DAVE, actor=ALICE), grant(DAVE, actor=ALICE)]

    statuses = deliver(store, submitted(store, *cmds))

    assert statuses == {"applied": 3}
    assert [store.status(cmd.id) for cmd in cmds] == [CommandStatus.APPLIED] * 3
    assert store.repo.has_member("1001", ADMIN_GROUP, CAROL) and store.repo.has_member("1001", ADMIN_GROUP, DAVE)
    assert sorted(entry.action for entry in store.repo.audit) == ["admin.granted", "admin.granted", "user.added"]
    assert [store.log.rows[cmd.id].attempts for cmd in cmds] == [1, 1, 1]
    assert store.prefetched  # the run went the set-based way


def test_a_message_delivered_again_applies_nothing_again(store):
    msg = submitted(store, grant(CAROL, actor=ALICE), add_user(DAVE, actor=ALICE))
    deliver(store, msg)
    before = tables(store)

    statuses = deliver(store, msg)

    assert statuses == {"already_applied": 2}
    assert tables(store) == before
    assert [row.attempts for row in store.log.rows.values()] == [1, 1]  # a finished command counts no attempt


def test_a_command_twice_in_one_message_is_applied_once(store):
    cmd = grant(CAROL, actor=ALICE)

    statuses = deliver(store, submitted(store, cmd) | {"commands": [cmd.model_dump(mode="json")] * 2})

    assert statuses == {"applied": 1, "repeated_in_message": 1}
    assert [entry.action for entry in store.repo.audit] == ["admin.granted"]


@pytest.mark.parametrize("chunk", [1, 500], ids=["a-chunk-each", "one-chunk"])
def test_a_pending_grant_stays_pending_and_its_invite_is_mailed_once(store, chunk):
    cmd = grant(STRANGER, actor=ALICE)
    msg = submitted(store, cmd)
    mails: list = []

    assert deliver(store, msg, chunk=chunk, mails=mails) == {"pending": 1}
    assert deliver(store, msg, chunk=chunk, mails=mails) == {"already_pending": 1}

    assert store.status(cmd.id) == CommandStatus.PENDING and "has no user yet" in store.log.rows[cmd.id].reason
    assert len(mails) == 1 and len(store.repo.mails) == 1 and len(store.repo.invites) == 1
    assert [status for _, status in store.repo.grants.values()] == [GrantStatus.PENDING]


@pytest.mark.parametrize("make", [lambda: grant(CAROL, actor=ALICE), lambda: create_group("Support", actor=ALICE)],
                         ids=["set-based", "one-by-one"])
def test_a_command_another_worker_applied_after_this_claim_is_not_applied_again(store, monkeypatch, make):
    cmd = make()
    msg = submitted(store, cmd)
    real = store.repo.lock_accounts

    def applied_meanwhile(numbers):  # the lease ran out, a copy was claimed and applied by another worker
        store.log.rows[cmd.id].status = CommandStatus.APPLIED
        real(numbers)
    monkeypatch.setattr(store.repo, "lock_accounts", applied_meanwhile)
    before = tables(store)

    assert deliver(store, msg) == {"already_applied": 1}
    assert tables(store) == before


def test_a_refused_command_ends_rejected_and_the_others_of_its_message_apply(store):
    refused, fine = grant(CAROL, actor=STRANGER), add_user(DAVE, actor=ALICE)

    statuses = deliver(store, submitted(store, refused, fine))

    assert statuses == {"rejected": 1, "applied": 1}
    assert store.status(refused.id) == CommandStatus.REJECTED
    assert store.log.rows[refused.id].reason == f"{STRANGER} is not an administrator of account 1001"
    assert store.repo.user(DAVE) is not None and not store.repo.has_member("1001", ADMIN_GROUP, CAROL)


def test_the_later_issued_of_two_commands_wins_whatever_order_they_come_in(store):
    earlier, later = grant(CAROL, actor=ALICE), revoke(CAROL, actor=ALICE)  # issued in this order

    statuses = deliver(store, submitted(store, later, earlier))

    assert statuses == {"applied": 1, "superseded": 1}
    assert store.status(earlier.id) == CommandStatus.SUPERSEDED
    assert not store.repo.has_member("1001", ADMIN_GROUP, CAROL)


# --- failures ----------------------------------------------------------------------------------------------------

FAULTS = {  # a command that fails unexpectedly, on the set-based way and on the one-by-one way
    "set-based": ("add_user", email_key(DAVE), lambda: add_user(DAVE, actor=ALICE)),
    "one-by-one": ("add_group", "Support", lambda: create_group("Support", actor=ALICE)),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_command_that_fails_stays_queued_for_another_try_and_the_others_apply(store, monkeypatch, fault):
    method, key, failing = fault
    failing_on(store, monkeypatch, method, key)
    before, broken, after = grant(CAROL, actor=ALICE), failing(), add_user(ERIN, actor=ALICE)

    statuses = deliver(store, submitted(store, before, broken, after), max_attempts=5)

    assert statuses == {"applied": 2, "error": 1}
    assert (store.status(before.id), store.status(after.id)) == (CommandStatus.APPLIED, CommandStatus.APPLIED)
    row = store.log.rows[broken.id]
    assert (row.status, row.attempts, row.lease_until) == (CommandStatus.QUEUED, 1, None)  # the relay sends it again
    assert row.reason.startswith("unexpected error RuntimeError (error id ")
    assert store.log.dead_letters == []


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_command_that_fails_on_its_last_attempt_ends_failed_as_a_dead_letter_and_the_others_apply(
        store, monkeypatch, fault):
    method, key, failing = fault
    failing_on(store, monkeypatch, method, key)
    broken, fine = failing(), grant(CAROL, actor=ALICE)

    statuses = deliver(store, submitted(store, broken, fine), max_attempts=1)

    assert statuses == {"dead_letter": 1, "applied": 1}
    assert (store.status(broken.id), store.status(fine.id)) == (CommandStatus.FAILED, CommandStatus.APPLIED)
    [(command_id, reason, payload)] = store.log.dead_letters
    assert command_id == broken.id and reason.endswith("(attempt 1 of 1)") and payload["id"] == str(broken.id)


def test_a_transient_error_gives_the_claims_back_and_is_raised_for_a_retry(store, monkeypatch):
    def database_away(numbers):
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))
    monkeypatch.setattr(store.repo, "lock_accounts", database_away)
    cmds = [grant(CAROL, actor=ALICE), add_user(DAVE, actor=ALICE)]

    with pytest.raises(OperationalError):
        deliver(store, submitted(store, *cmds))

    rows = [store.log.rows[cmd.id] for cmd in cmds]
    assert [(row.status, row.attempts, row.lease_until) for row in rows] == [(CommandStatus.QUEUED, 0, None)] * 2
    assert not store.repo.has_member("1001", ADMIN_GROUP, CAROL)


def test_an_unreadable_message_is_kept_as_a_dead_letter(store):
    assert deliver(store, {"commands": "not a list"}) == {"dead_letter": 1}

    [(command_id, reason, payload)] = store.log.dead_letters
    assert command_id is None and reason.startswith("unreadable message") and payload == {"commands": "not a list"}


def test_a_command_the_log_does_not_hold_is_kept_as_a_dead_letter_and_not_applied(store):
    unknown = grant(CAROL, actor=ALICE)

    assert deliver(store, message(unknown)) == {"dead_letter": 1}

    assert store.log.dead_letters[0][1] == f"command {unknown.id} is not in the command log"
    assert not store.repo.has_member("1001", ADMIN_GROUP, CAROL)


# --- what applying asks for besides -------------------------------------------------------------------------------

def test_adding_the_user_of_a_pending_grant_retries_it_and_its_pending_command_takes_the_result(store):
    held = grant(STRANGER, actor=ALICE)
    deliver(store, submitted(store, held))

    deliver(store, submitted(store, add_user(STRANGER, actor=ALICE)))

    [retry] = [row for row in store.log.rows.values() if row.payload.get("retry_of") == str(held.id)]
    assert retry.status == CommandStatus.APPLIED
    assert store.status(held.id) == CommandStatus.APPLIED
    assert store.log.rows[held.id].reason.endswith(f"(retried as command {retry.id})")
    assert store.repo.has_member("1001", ADMIN_GROUP, STRANGER)


def test_the_message_is_noted_taken_for_the_metrics_and_the_relay(store):
    sent_at = datetime(2024, 6, 1, 11, 59, tzinfo=timezone.utc)

    deliver(store, submitted(store, grant(CAROL, actor=ALICE), add_user(DAVE, actor=ALICE), sent_at=sent_at),
            queue="envadmin")

    assert store.figures.batch_sizes == [2]
    assert store.figures.started == {"envadmin": sent_at}


@pytest.mark.parametrize("invite", [lambda email: grant(email, actor=ALICE),
                                    lambda email: command("invite_user", email=email, actor=ALICE)],
                         ids=["set-based", "one-by-one"])
def test_an_invite_refused_by_a_limit_is_rejected_and_counted(store, invite):
    store.repo.invite_limits = InviteLimits(per_account_per_hour=1)
    first, second = invite(STRANGER), invite(ERIN)

    statuses = deliver(store, submitted(store, first, second))

    assert statuses == {"pending": 1, "rejected": 1}
    assert "invite or activation mails in the last hour" in store.log.rows[second.id].reason
    assert store.figures.invite_refusals == {"account": 1}
