"""workers.claims on the fake unit of work, without a database: each command claimed once under a lease with an
attempt counted, or left to the worker holding it, dead-lettered, set aside to be tried alone, or sent back to wait
for an earlier row of its job."""
from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.states import CommandStatus
from workers.claims import DEFER_FIRST_SECONDS, DEFER_MAX_SECONDS, BatchReport, claim, identify_each

from .fake_unit_of_work import FakeStore
from .fake_world import ERIN, LEASE, world
from .handler_steps import ALICE, CAROL, DAVE, NOW, add_user, create_account, grant


def items(*cmds) -> list[tuple]:
    return [(cmd.id, cmd.model_dump(mode="json")) for cmd in cmds]


def claimed(store: FakeStore, *cmds, max_attempts: int = 5, lease: timedelta = LEASE, also=None):
    report = BatchReport()
    return claim(items(*cmds), store.unit_of_work, max_attempts, lease, report, also=also), report.statuses


def journalled(store: FakeStore, *cmds):
    store.log.record_submitted(list(cmds), NOW)
    return cmds


# --- a lease and an attempt ------------------------------------------------------------------------------------

def test_a_claim_leases_each_queued_command_counts_an_attempt_and_commits(store):
    first, second = journalled(store, grant(CAROL, actor=ALICE), add_user(DAVE, actor=ALICE))

    result, statuses = claimed(store, first, second)

    assert [(cmd, found.attempts) for cmd, found in result.runnable] == [(first, 1), (second, 1)]
    assert statuses == {} and result.suspects == [] and result.deferred is None
    assert all(row.attempts == 1 and row.lease_until is not None for row in store.log.rows.values())
    assert store.commits == 1  # counted even if the worker dies applying them


def test_a_copy_claimed_while_the_lease_holds_is_left_to_the_worker_holding_it(store):
    [cmd] = journalled(store, grant(CAROL, actor=ALICE))
    claimed(store, cmd)

    result, statuses = claimed(store, cmd)

    assert result.runnable == [] and statuses == {"leased": 1}
    assert store.log.rows[cmd.id].attempts == 1  # no attempt counted for the copy


def test_a_claim_reads_only_the_span_of_issue_times_its_message_states(store):
    """The journal's statements by id name the message's span of issue times; a command the message says was issued
    outside it is not applied from that message (nor dead-lettered): the relay sends it again from the journal."""
    early, late = journalled(store, grant(CAROL, actor=ALICE, issued_at=NOW - timedelta(days=40)),
                             add_user(DAVE, actor=ALICE))
    misstated = {**late.model_dump(mode="json"), "issued_at": (NOW - timedelta(days=90)).isoformat()}
    report = BatchReport()

    result = claim([(early.id, early.model_dump(mode="json")), (late.id, misstated)], store.unit_of_work, 5, LEASE,
                   report)

    assert [cmd for cmd, _ in result.runnable] == [early] and report.statuses == {"leased": 1}
    assert store.log.rows[late.id].attempts == 0 and store.log.dead_letters == []


def test_once_its_lease_ran_out_a_command_is_claimed_again_with_one_more_attempt(store):
    [cmd] = journalled(store, grant(CAROL, actor=ALICE))
    claimed(store, cmd, lease=timedelta(0))  # its worker was lost

    result, statuses = claimed(store, cmd)

    assert [found.attempts for _, found in result.runnable] == [2] and statuses == {}


def test_a_command_past_its_attempts_is_given_up_as_a_failed_dead_letter(store):
    [cmd] = journalled(store, grant(CAROL, actor=ALICE))
    store.log.rows[cmd.id].attempts = 3

    result, statuses = claimed(store, cmd, max_attempts=3)

    assert result.runnable == [] and statuses == {"dead_letter": 1}
    assert store.status(cmd.id) == CommandStatus.FAILED
    assert store.log.dead_letters[0][:2] == (cmd.id, "gave up after 3 attempts")


@pytest.mark.parametrize("status", [CommandStatus.APPLIED, CommandStatus.PENDING, CommandStatus.REJECTED])
def test_a_command_no_longer_queued_is_counted_as_such_and_not_claimed(store, status):
    [cmd] = journalled(store, grant(CAROL, actor=ALICE))
    store.log.rows[cmd.id].status = status

    result, statuses = claimed(store, cmd)

    assert result.runnable == [] and statuses == {f"already_{status}": 1}
    assert store.log.rows[cmd.id].attempts == 0


def test_a_command_the_log_does_not_hold_is_dead_lettered(store):
    cmd = grant(CAROL, actor=ALICE)

    result, statuses = claimed(store, cmd)

    assert result.runnable == [] and statuses == {"dead_letter": 1}
    assert store.log.dead_letters == [(None, f"command {cmd.id} is not in the command log", items(cmd)[0][1])]


def test_commands_a_delivery_already_tried_are_given_back_to_be_tried_alone_least_tried_first(store):
    fresh, twice, once = journalled(store, grant(CAROL, actor=ALICE), add_user(DAVE, actor=ALICE),
                                    add_user(ERIN, actor=ALICE))
    store.log.rows[twice.id].attempts, store.log.rows[once.id].attempts = 2, 1

    result, _ = claimed(store, fresh, twice, once)

    assert [cmd for cmd, _ in result.runnable] == [fresh]
    assert [command_id for command_id, _ in result.suspects] == [once.id, twice.id]
    assert [(store.log.rows[c.id].attempts, store.log.rows[c.id].lease_until) for c in (twice, once)] == [
        (2, None), (1, None)]  # the attempt given back: each is claimed, and counted, when tried alone


def test_a_command_tried_before_is_applied_when_it_comes_alone(store):
    [cmd] = journalled(store, grant(CAROL, actor=ALICE))
    store.log.rows[cmd.id].attempts = 2

    result, _ = claimed(store, cmd)

    assert [found.attempts for _, found in result.runnable] == [3] and result.suspects == []


def test_what_also_writes_commits_with_the_claims(store):
    [cmd] = journalled(store, grant(CAROL, actor=ALICE))

    claimed(store, cmd, also=lambda uow: uow.figures.record_batch_size(7))

    assert store.figures.batch_sizes == [7] and store.commits == 1


# --- job rows that wait for an earlier row -----------------------------------------------------------------------

JOB = uuid4()


def job(store: FakeStore, *rows):
    """Job rows (line, command, subject) journalled."""
    store.log.journal_job(JOB, list(rows))
    return [cmd for _, cmd, _ in rows]


def test_a_job_row_waits_for_the_earlier_row_that_adds_its_user_longer_each_time(store):
    adds, grants = job(store, (1, add_user(DAVE, actor=ALICE), "dave@example.com"),
                       (2, grant(DAVE, actor=ALICE), "dave@example.com"))

    result, statuses = claimed(store, grants)

    assert result.runnable == [] and statuses == {"deferred": 1}
    assert result.deferred.payloads == [grants.model_dump(mode="json")]
    assert result.deferred.countdown == DEFER_FIRST_SECONDS
    row = store.log.rows[grants.id]
    assert (row.attempts, row.deferrals) == (0, 1) and row.lease_until is not None  # not taken for lost meanwhile
    row.lease_until = None  # its copy is sent again

    assert claimed(store, grants)[0].deferred.countdown == 2 * DEFER_FIRST_SECONDS
    store.log.rows[grants.id].deferrals, store.log.rows[grants.id].lease_until = 12, None
    assert claimed(store, grants)[0].deferred.countdown == DEFER_MAX_SECONDS

    store.log.rows[adds.id].status = CommandStatus.APPLIED
    store.log.rows[grants.id].lease_until = None
    assert [cmd for cmd, _ in claimed(store, grants)[0].runnable] == [grants]


def test_a_job_row_waits_for_the_earlier_row_that_creates_its_account(store):
    creates, adds = job(store, (1, create_account("3003", ERIN), "erin@example.com"),
                        (2, add_user(DAVE, actor=ERIN, account="3003"), "dave@example.com"))

    assert claimed(store, adds)[1] == {"deferred": 1}


def test_job_rows_that_only_share_an_account_do_not_wait_for_each_other(store):
    _, other = job(store, (1, add_user(DAVE, actor=ALICE), "dave@example.com"),
                   (2, add_user(ERIN, actor=ALICE), "erin@example.com"))

    result, statuses = claimed(store, other)

    assert [cmd for cmd, _ in result.runnable] == [other] and statuses == {}


def test_rows_claimed_together_do_not_wait_for_each_other(store):
    adds, grants = job(store, (1, add_user(DAVE, actor=ALICE), "dave@example.com"),
                       (2, grant(DAVE, actor=ALICE), "dave@example.com"))

    result, statuses = claimed(store, adds, grants)

    assert [cmd for cmd, _ in result.runnable] == [adds, grants] and statuses == {}


# --- telling the commands of a message apart ----------------------------------------------------------------------

def test_each_command_is_identified_once_and_an_invalid_one_is_dead_lettered():
    store = world()
    cmd = grant(CAROL, actor=ALICE)
    report = BatchReport()
    bad = {"type": "grant_admin", "account": "1001"}

    found = identify_each([cmd.model_dump(mode="json"), {"id": str(cmd.id)}, bad], store.unit_of_work, report)

    assert found == [(cmd.id, cmd.model_dump(mode="json"))]
    assert report.statuses == {"repeated_in_message": 1, "dead_letter": 1}
    [(command_id, reason, payload)] = store.log.dead_letters
    assert command_id is None and reason.startswith("invalid command") and payload == bad
