"""Claiming what a message carries (workers/claims.py) on the real store, SQLite and PostgreSQL: each command is
leased once with an attempt counted in a transaction of its own; a lease that ran out is claimed again; what is
finished, held, unknown, exhausted, already tried or waiting for an earlier row of its job is not applied now.

The claims are made through SqlUnitOfWork, as a worker makes them, on a clock the test moves; what they left is
read back with SQL."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from threading import Event
from uuid import uuid4

import pytest
from sqlalchemy import select, update

from domain.clock import FixedClock
from domain.model import email_key
from store.tables import commands, dead_letters
from store.unit_of_work import SqlUnitOfWork
from workers.claims import DEFER_FIRST_SECONDS, DEFER_MAX_SECONDS, BatchReport, claim, identify_each

from ..support.builders import add_user, grant
from .chunk_delivery import journal

LEASE = timedelta(seconds=60)
HELD = 60  # seconds a test waits, at most, for another thread's claim
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


def claim_now(engine, clock, *cmds, max_attempts: int = 5, also=None):
    """One claim of a message carrying these commands, as a worker makes it at the clock's time; what it gave, and
    its report."""
    report = BatchReport()
    claimed = claim([(cmd.id, cmd.model_dump(mode="json")) for cmd in cmds], lambda: SqlUnitOfWork(engine, clock=clock),
                    max_attempts, LEASE, report, also)
    return claimed, report.statuses


def log_row(engine, command_id):
    with engine.connect() as conn:
        return conn.execute(select(commands.c.status, commands.c.attempts, commands.c.lease_until,
                                   commands.c.deferrals, commands.c.reason)
                            .where(commands.c.id == command_id)).one()


def set_row(engine, command_id, **values) -> None:
    with engine.begin() as conn:
        conn.execute(update(commands).where(commands.c.id == command_id).values(**values))


def letters(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(dead_letters.c.command_id, dead_letters.c.reason)
                                                   .order_by(dead_letters.c.id))]


def test_a_claim_leases_the_command_and_its_attempt_stays_counted_whatever_applying_it_does(engine, clock):
    command = add_user("bob@example.com")
    journal(engine, command)

    claimed, report = claim_now(engine, clock, command)

    [(cmd, taken)] = claimed.runnable
    assert cmd == command and taken.attempts == 1
    assert (claimed.deferred, claimed.suspects, report) == (None, [], {})
    # Committed already: a worker killed while applying it leaves the attempt counted and the lease held.
    status, attempts, lease_until, _, _ = log_row(engine, command.id)
    assert (status, attempts, lease_until) == ("queued", 1, T0 + LEASE)


def test_of_two_claims_of_the_same_command_at_once_only_one_gets_it(engine, clock):
    command = add_user("bob@example.com")
    journal(engine, command)
    inside, release = Event(), Event()

    def hold(_uow) -> None:  # the first claim keeps its transaction open here, just before it commits
        inside.set()
        assert release.wait(HELD), "the test never let the first claim commit"

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(claim_now, engine, clock, command, also=hold)
        assert inside.wait(HELD), "the first claim never reached its commit"
        second = pool.submit(claim_now, engine, clock, command)
        if engine.dialect.name == "postgresql":
            # The row the first claim locked is skipped, not waited for: the second claim ends meanwhile.
            second_claimed, second_report = second.result(timeout=HELD)
            release.set()
        else:  # SQLite's writers take turns: the second claim begins once the first has committed
            release.set()
            second_claimed, second_report = second.result(timeout=HELD)
        first_claimed, first_report = first.result(timeout=HELD)

    assert [cmd.id for cmd, _ in first_claimed.runnable] == [command.id] and first_report == {}
    assert second_claimed.runnable == [] and second_report == {"leased": 1}
    assert log_row(engine, command.id).attempts == 1


def test_a_command_still_leased_is_left_to_its_worker_and_one_whose_lease_ran_out_is_claimed_again(engine, clock):
    command = add_user("bob@example.com")
    journal(engine, command)
    claim_now(engine, clock, command)

    clock.advance(seconds=LEASE.total_seconds() - 1)  # a copy of the message, while the first worker applies it
    held, report = claim_now(engine, clock, command)
    assert held.runnable == [] and report == {"leased": 1}
    assert log_row(engine, command.id).attempts == 1  # a copy counts no attempt

    clock.advance(seconds=1)  # the lease is over: that worker died with the command
    again, report = claim_now(engine, clock, command)

    [(_, taken)] = again.runnable
    assert taken.attempts == 2 and report == {}
    _, attempts, lease_until, _, _ = log_row(engine, command.id)
    assert (attempts, lease_until) == (2, T0 + 2 * LEASE)


@pytest.mark.parametrize("status", ["applied", "rejected", "failed"])
def test_a_finished_command_is_not_claimed_again(engine, clock, status):
    command = add_user("bob@example.com")
    journal(engine, command)
    claim_now(engine, clock, command)
    set_row(engine, command.id, status=status, lease_until=None)

    claimed, report = claim_now(engine, clock, command)

    assert claimed.runnable == [] and report == {f"already_{status}": 1}
    assert log_row(engine, command.id)[:2] == (status, 1)


def test_a_command_no_log_row_has_is_dead_lettered_saying_what_is_wrong_with_it(engine, clock):
    ghost, bare = add_user("ghost@example.com"), add_user("bare@example.com")  # never journalled
    stray = uuid4()
    invalid = {**add_user("x@example.com").model_dump(mode="json"), "id": str(stray), "email": "not an email"}
    items = [(ghost.id, ghost.model_dump(mode="json")), (bare.id, {"id": str(bare.id)}), (stray, invalid)]
    report = BatchReport()

    claimed = claim(items, lambda: SqlUnitOfWork(engine, clock=clock), 5, LEASE, report)

    assert claimed.runnable == [] and report.statuses == {"dead_letter": 3}
    [(no_id, for_ghost), (_, for_bare), (_, for_invalid)] = letters(engine)
    assert no_id is None and for_ghost == f"command {ghost.id} is not in the command log"
    assert for_bare == f"command {bare.id} is not in the command log, and its message carried only its id"
    assert for_invalid.startswith(f"command {stray} is not in the command log, and is invalid: email"), for_invalid


def test_a_command_tried_more_than_its_attempts_is_given_up_failed_with_a_dead_letter(engine, clock):
    command = add_user("bob@example.com")
    journal(engine, command)
    set_row(engine, command.id, attempts=2)  # two deliveries tried it already, each killed by it

    claimed, report = claim_now(engine, clock, command, max_attempts=2)

    assert claimed.runnable == [] and report == {"dead_letter": 1}
    assert letters(engine) == [(command.id, "gave up after 2 attempts")]
    status, attempts, _, _, reason = log_row(engine, command.id)
    assert (status, attempts, reason) == ("failed", 3, "gave up after 2 attempts")


def test_commands_tried_before_are_given_back_to_be_tried_alone_the_least_tried_first(engine, clock):
    fresh, twice, once = add_user("new@example.com"), add_user("twice@example.com"), add_user("once@example.com")
    journal(engine, fresh, twice, once)
    set_row(engine, twice.id, attempts=2)
    set_row(engine, once.id, attempts=1)

    claimed, report = claim_now(engine, clock, fresh, twice, once)

    assert [cmd.id for cmd, _ in claimed.runnable] == [fresh.id] and report == {}
    assert [command_id for command_id, _ in claimed.suspects] == [once.id, twice.id]
    # Given back: the attempt the claim counted taken back, and no lease, so the next claim of each is at once.
    assert [log_row(engine, c.id)[1:3] for c in (twice, once)] == [(2, None), (1, None)]

    alone, report = claim_now(engine, clock, twice)  # alone in its message, a command tried before is applied
    assert [(cmd.id, taken.attempts) for cmd, taken in alone.runnable] == [(twice.id, 3)]


def in_job(engine, job_id, line: int, command) -> None:
    """The command as a job journals its row: its job, its line and the email it is about."""
    set_row(engine, command.id, job_id=job_id, job_line=line, subject=email_key(command.email))


def test_a_job_row_waiting_for_the_row_that_creates_its_user_is_sent_back_each_time_a_little_later(engine, clock):
    job_id = uuid4()
    created, granted = add_user("bob@example.com"), grant("bob@example.com")
    journal(engine, created, granted)
    in_job(engine, job_id, 2, created)
    in_job(engine, job_id, 3, granted)

    first, report = claim_now(engine, clock, granted)  # delivered before the message of line 2

    assert first.runnable == [] and report == {"deferred": 1}
    assert first.deferred.payloads == [granted.model_dump(mode="json")]
    assert first.deferred.countdown == DEFER_FIRST_SECONDS
    # The attempt taken back, and leased until the copy sent again arrives: the relay does not take it for lost.
    _, attempts, lease_until, deferrals, _ = log_row(engine, granted.id)
    assert (attempts, deferrals, lease_until) == (0, 1, T0 + timedelta(seconds=DEFER_FIRST_SECONDS))

    clock.advance(seconds=first.deferred.countdown)  # the copy sent again arrives
    second, _ = claim_now(engine, clock, granted)
    assert second.deferred.countdown == 2 * DEFER_FIRST_SECONDS and log_row(engine, granted.id).deferrals == 2
    clock.advance(seconds=second.deferred.countdown)
    set_row(engine, granted.id, deferrals=50)
    third, _ = claim_now(engine, clock, granted)
    assert third.deferred.countdown == DEFER_MAX_SECONDS

    set_row(engine, created.id, status="applied")
    clock.advance(seconds=third.deferred.countdown)
    ready, report = claim_now(engine, clock, granted)
    assert [(cmd.id, taken.attempts) for cmd, taken in ready.runnable] == [(granted.id, 1)] and report == {}


def test_what_also_writes_commits_with_the_claim_and_a_failure_there_claims_nothing(engine, clock):
    command = add_user("bob@example.com")
    journal(engine, command)

    def fails(_uow) -> None:
        raise RuntimeError("the write made with the claim failed")

    with pytest.raises(RuntimeError):
        claim_now(engine, clock, command, also=fails)
    assert log_row(engine, command.id)[1:3] == (0, None)  # no attempt counted, no lease

    claim_now(engine, clock, command,
              also=lambda uow: uow.log.dead_letter(None, "written with the claim", {}, uow.clock.now()))
    assert letters(engine) == [(None, "written with the claim")] and log_row(engine, command.id).attempts == 1


def test_each_command_of_a_message_is_identified_once_and_an_item_that_is_no_command_is_dead_lettered(engine, clock):
    command = add_user("bob@example.com")
    payload = command.model_dump(mode="json")
    report = BatchReport()

    identified = identify_each([payload, dict(payload), {"type": "grant_admin", "id": "not-a-uuid"}],
                               lambda: SqlUnitOfWork(engine, clock=clock), report)

    assert identified == [(command.id, payload)]
    assert report.statuses == {"repeated_in_message": 1, "dead_letter": 1}
    [(command_id, reason)] = letters(engine)
    assert command_id is None and reason.startswith("invalid command: "), reason
