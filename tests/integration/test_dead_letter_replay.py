"""Replaying dead letters: a failed command goes back to the queue with a fresh attempt budget and is applied once;
a dead letter with no replayable command is refused with why; every replay is audited; secrets stay masked.

The store's side runs on SQLite and PostgreSQL with no worker (the message waits in an embedded queue, applied
here through the worker's own code where it matters); the whole path runs on Redis + PostgreSQL with a real
`envadmin worker` that gives a command up, then applies it once replayed, however many copies are about.
"""
from __future__ import annotations

import threading
from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select, update

from domain.clock import SYSTEM_CLOCK
from domain.masking import MASK
from messaging.broker import publish_batch
from producers.ops.dead_letter_replay import ReplayOutcome, replay_all_dead_letters, replay_dead_letters
from producers.services.client import Client
from store.metrics.ops_figures import read_figures
from store.reads import queries
from store.tables import audit_log, commands, dead_letters
from store.unit_of_work import SqlUnitOfWork

from ..support.builders import PASSWORD_HASH, add_user
from ..support.running_workers import worker_process
from ..support.services import empty_store
from ..support.sql import rows, scalar
from ..support.stack_settings import make_settings
from ..support.waiting import wait_until
from .apply_here import apply_now, open_account

OPS = "ops@example.com"
NOT_A_COMMAND = {"type": "grant_admin", "id": "not-a-uuid"}


@pytest.fixture
def client(job_client):
    """A client on SQLite or PostgreSQL whose messages wait in an embedded queue no worker reads."""
    return job_client


def journal(client: Client, command, attempts: int = 0) -> None:
    """The command in the command log as submit() writes it, unpublished, with attempts already counted."""
    with SqlUnitOfWork(client.engine) as uow:
        uow.log.record_submitted([command], SYSTEM_CLOCK.now())
        uow.conn.execute(update(commands).where(commands.c.id == command.id).values(attempts=attempts))
        uow.commit()


def dead_letter(client: Client, command_id, reason: str, payload, at=None) -> int:
    """A dead letter as the worker writes one (its command, if queued, ends failed); its id."""
    with SqlUnitOfWork(client.engine) as uow:
        uow.log.dead_letter(command_id, reason, payload, at or SYSTEM_CLOCK.now())
        uow.commit()
    with client.engine.connect() as conn:
        return conn.execute(select(dead_letters.c.id).order_by(dead_letters.c.id.desc()).limit(1)).scalar_one()


def given_up(client: Client, email: str = "bob@example.com", at=None):
    """A command the worker gave up on after its attempts: failed, and its dead letter's id."""
    command = add_user(email)
    journal(client, command, attempts=5)
    with client.engine.begin() as conn:
        conn.execute(update(commands).where(commands.c.id == command.id).values(lease_until=SYSTEM_CLOCK.now()))
    return command, dead_letter(client, command.id, "gave up after 5 attempts", command.model_dump(mode="json"), at)


def command_row(client: Client, command_id):
    with client.engine.connect() as conn:
        return conn.execute(select(commands).where(commands.c.id == command_id)).one()


def replays_audited(client: Client) -> list[tuple]:
    with client.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(audit_log.c.actor, audit_log.c.source, audit_log.c.account, audit_log.c.target,
                   audit_log.c.command_id).where(audit_log.c.action == "command.replayed"))]


def test_a_replayed_command_is_queued_again_with_a_fresh_attempt_budget_published_and_audited(client):
    command, letter = given_up(client)
    waiting = client.queue_depth()

    [outcome] = replay_dead_letters(client, [letter], OPS)

    assert outcome == ReplayOutcome(letter, True, f"command {command.id} (add_user) is queued again")
    row = command_row(client, command.id)
    assert (row.status, row.attempts, row.reason, row.finished_at, row.lease_until, row.deferrals) == \
        ("queued", 0, None, None, None, 0)
    shown = queries.dead_letter(client.engine, letter)
    assert shown["replayed_by"] == OPS and shown["replayed_at"] is not None and shown["command_status"] == "queued"
    assert replays_audited(client) == [(OPS, "web", "1001", "add_user", command.id)]
    assert client.queue_depth() == waiting + 1  # published again
    apply_now(client, command.model_dump(mode="json"))  # the worker's code, on the message's copy
    assert queries.command_status(client.engine, command.id)["status"] == "applied"


def test_a_dead_letter_with_no_replayable_command_is_refused_with_why_and_the_others_still_replay(client):
    unreadable = dead_letter(client, None, "invalid command: id: Input should be a valid UUID", NOT_A_COMMAND)
    ghost = uuid4()
    not_logged = dead_letter(client, ghost, "a command nobody journalled", {"id": str(ghost)})
    applied = add_user("carol@example.com")
    client.submit([applied])
    apply_now(client, applied.model_dump(mode="json"))
    late = dead_letter(client, applied.id, "a late duplicate", applied.model_dump(mode="json"))
    command, failed = given_up(client)

    outcomes = replay_dead_letters(client, [unreadable, 987654, not_logged, late, failed], OPS, source="cli")

    assert [(o.id, o.replayed, o.reason) for o in outcomes] == [
        (unreadable, False, "it holds no command to replay: invalid command: id: Input should be a valid UUID"),
        (987654, False, "no dead letter 987654"),
        (not_logged, False, f"command {ghost} is not in the command log"),
        (late, False, f"command {applied.id} is applied, not failed: nothing to replay"),
        (failed, True, f"command {command.id} (add_user) is queued again")]
    assert replays_audited(client) == [(OPS, "cli", "1001", "add_user", command.id)]
    assert [queries.dead_letter(client.engine, i)["replayed_at"] for i in (unreadable, not_logged, late)] == \
        [None, None, None]


def test_replaying_twice_at_once_puts_the_command_back_once(client):
    command, letter = given_up(client)
    waiting = client.queue_depth()
    others = [Client(client.settings) for _ in range(4)]
    start = threading.Barrier(len(others))
    outcomes: list[ReplayOutcome] = []

    def replay(other: Client) -> None:
        start.wait()
        outcomes.extend(replay_dead_letters(other, [letter], OPS))

    threads = [threading.Thread(target=replay, args=(other,)) for other in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for other in others:
        other.close()

    assert sorted(o.replayed for o in outcomes) == [False, False, False, True]
    assert {o.reason for o in outcomes if not o.replayed} == \
        {f"command {command.id} is queued, not failed: nothing to replay"}
    assert len(replays_audited(client)) == 1 and client.queue_depth() == waiting + 1


def test_replay_all_takes_every_dead_letter_not_replayed_yet_since_the_time_given(client):
    now = SYSTEM_CLOCK.now()
    _, old = given_up(client, "old@example.com", at=now - timedelta(days=3))
    recent_command, recent = given_up(client, "recent@example.com", at=now - timedelta(hours=1))
    unreadable = dead_letter(client, None, "unreadable message", "\\x00garbage", at=now - timedelta(minutes=5))

    since = replay_all_dead_letters(client, OPS, now - timedelta(days=1))
    assert [(o.id, o.replayed) for o in since] == [(recent, True), (unreadable, False)]
    everything = replay_all_dead_letters(client, OPS)
    assert [(o.id, o.replayed) for o in everything] == [(old, True), (unreadable, False)]  # recent: replayed once
    assert command_row(client, recent_command.id).status == "queued"


def test_a_dead_letter_is_shown_with_its_password_hash_masked_in_show_and_in_the_list(client):
    command, letter = given_up(client)

    shown = queries.dead_letter(client.engine, letter)

    assert shown["command_id"] == str(command.id) and shown["command_status"] == "failed"
    assert shown["reason"] == "gave up after 5 attempts" and shown["replayed_at"] is None
    assert PASSWORD_HASH not in shown["payload"] and f'"password_hash": "{MASK}"' in shown["payload"]
    assert "bob@example.com" in shown["payload"]
    [listed] = [d for d in queries.list_dead_letters(client.engine) if d["id"] == letter]
    assert PASSWORD_HASH not in listed["payload"]
    assert queries.dead_letter(client.engine, 987654) is None


def test_the_dashboard_lists_a_dead_letter_as_show_does_a_hash_in_its_reason_masked(client):
    letter = dead_letter(client, None, f"invalid command: password_hash: {PASSWORD_HASH} is not accepted",
                         {"type": "add_user"})

    [latest] = read_figures(client.engine, SYSTEM_CLOCK.now())["dead_letters"]["latest"]

    assert latest["id"] == letter and PASSWORD_HASH not in latest["reason"] and MASK in latest["reason"]
    assert latest == {key: value for key, value in queries.dead_letter(client.engine, letter).items()
                      if key != "payload"}


def test_who_replays_must_be_named(client):
    _, letter = given_up(client)
    for actor in ("", "  ", "ops\x1b[2J"):
        with pytest.raises(ValueError):
            replay_dead_letters(client, [letter], actor)
    assert replays_audited(client) == []


# The whole path, with a real worker on Redis + PostgreSQL.


@pytest.fixture
def redis_postgres(redis_broker_url, pg_database_url, tmp_path):
    empty_store(pg_database_url)
    return make_settings(tmp_path / "var", pg_database_url, redis_broker_url, max_attempts=2,
                         relay_after_seconds=2, relay_interval_seconds=1, lease_seconds=3)


def test_a_command_the_worker_gave_up_on_is_applied_once_when_replayed_twice_with_a_copy_in_flight(
        redis_postgres, tmp_path):
    settings = redis_postgres
    client = Client(settings)
    log = tmp_path / "worker.log"
    try:
        with worker_process(settings, log, "--concurrency=2"):
            open_account(client, "1001", "alice@example.com")
            # Its attempts used up, as by a worker killed on it each time: the next delivery gives it up.
            bob = add_user("bob@example.com")
            journal(client, bob, attempts=settings.max_attempts)
            assert publish_batch(client.celery, settings.queue, [bob.model_dump(mode="json")])
            wait_until(lambda: queries.command_status(client.engine, bob.id)["status"] == "failed",
                       "the worker to give the command up", timeout=60)
            [letter] = [d["id"] for d in queries.list_dead_letters(client.engine) if d["command_id"] == str(bob.id)]

            first, second = Client(settings), Client(settings)
            outcomes: list[ReplayOutcome] = []
            threads = [threading.Thread(target=lambda c=c: outcomes.extend(replay_dead_letters(c, [letter], OPS)))
                       for c in (first, second)]
            for thread in threads:
                thread.start()
            # A copy of its old message still about (a redelivery), sent while the replays run.
            assert publish_batch(client.celery, settings.queue, [bob.model_dump(mode="json")])
            for thread in threads:
                thread.join(60)
            first.close()
            second.close()
            wait_until(lambda: queries.command_status(client.engine, bob.id)["status"] == "applied",
                       "the replayed command to be applied", timeout=60)
            again = replay_dead_letters(client, [letter], OPS)

        assert sorted(o.replayed for o in outcomes) == [False, True], outcomes
        assert again == [ReplayOutcome(letter, False, f"command {bob.id} is applied, not failed: nothing to replay")]
        assert scalar(client, "SELECT count(*) FROM users WHERE email = 'bob@example.com'") == 1
        assert rows(client, "SELECT count(*) FROM audit_log WHERE action = 'user.added' AND target = "
                            "'bob@example.com'") == [(1,)]
        assert rows(client, "SELECT actor, source, account FROM audit_log WHERE action = 'command.replayed'") == \
            [(OPS, "web", "1001")]
        assert command_row(client, bob.id).attempts == 1  # a fresh budget, one attempt used
    finally:
        client.close()


def test_an_unparseable_dead_letter_of_a_real_worker_is_refused_with_its_reason(redis_postgres, tmp_path):
    settings = redis_postgres
    client = Client(settings)
    try:
        with worker_process(settings, tmp_path / "worker.log", "--concurrency=1", "--no-relay"):
            assert publish_batch(client.celery, settings.queue, [NOT_A_COMMAND])
            [letter] = wait_until(lambda: queries.list_dead_letters(client.engine), "a dead letter", timeout=60)
        [outcome] = replay_dead_letters(client, [letter["id"]], OPS)
        assert letter["reason"].startswith("invalid command: id:")
        assert outcome == ReplayOutcome(letter["id"], False, f"it holds no command to replay: {letter['reason']}")
        assert replays_audited(client) == []
    finally:
        client.close()
