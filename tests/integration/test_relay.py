"""The relay sends again what the broker lost, and nothing that is only waiting its turn in a long queue.

On Redis with PostgreSQL and on the embedded default, with the real broker: the relay reads the queue's depth
from it. No worker runs here; the tests say what a worker has started by the mark a worker leaves.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text, update

from domain.clock import SYSTEM_CLOCK
from producers.services.client import Client
from store import relay_marks
from store.command_log import SqlCommandLog
from store.tables import commands
from workers.celery_app import create_app
from workers.relay import lost_before, relay_unapplied
from workers.runtime import Runtime

from ..support.builders import grant
from ..support.waiting import wait_until
from .fast_stacks import fast_settings

GRACE = 1.0
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def test_what_counts_as_lost():
    grace = timedelta(seconds=30)
    assert lost_before(NOW, grace, waiting=0, newest_started=None) == NOW - grace
    assert lost_before(NOW, grace, waiting=7, newest_started=None) is None
    assert lost_before(NOW, grace, waiting=7, newest_started=NOW - timedelta(hours=1)) == NOW - timedelta(hours=1) - grace
    assert lost_before(NOW, grace, waiting=7, newest_started=NOW + timedelta(seconds=5)) == NOW - grace


@pytest.fixture(params=["redis+postgres", "embedded"])
def relay(request, tmp_path):
    """A client, and a relay run on the same settings: the relay's republished count after each run."""
    settings = fast_settings(request, tmp_path, request.param, relay_after_seconds=GRACE)
    client, runtime = Client(settings), Runtime(settings)
    app = create_app(settings)

    def run() -> int:
        return relay_unapplied(app, runtime)

    yield client, run
    client.close()


def sent_long_ago(client: Client, ids) -> None:
    with client.engine.begin() as conn:
        conn.execute(update(commands).where(commands.c.id.in_(ids))
                     .values(submitted_at=SYSTEM_CLOCK.now() - timedelta(hours=1), published_at=None))


def test_a_long_queue_of_commands_waiting_their_turn_is_not_republished(relay):
    client, run = relay
    backlog = [[grant(f"user{m}-{i}@example.com") for i in range(10)] for m in range(20)]
    for message in backlog:
        assert client.submit(message).published
    time.sleep(GRACE * 1.5)  # older than the grace, and still in the queue: no worker has come yet

    assert run() == 0
    assert client.queue_depth() == 20


def test_a_command_whose_message_was_lost_is_republished_once_the_queue_has_moved_past_it(relay):
    client, run = relay
    lost, leased = grant("lost@example.com"), grant("held@example.com")
    client.submit([lost, leased])
    sent_long_ago(client, [lost.id, leased.id])
    with client.engine.begin() as conn:  # a worker holds one of them
        conn.execute(update(commands).where(commands.c.id == leased.id)
                     .values(lease_until=SYSTEM_CLOCK.now() + timedelta(minutes=1)))
    client.celery.control.purge()  # the broker lost their message
    for message in ([grant("a@example.com")], [grant("b@example.com")]):
        client.submit(message)  # messages wait after it: the queue is not empty
    with client.engine.begin() as conn:  # and a worker started one sent after it
        relay_marks.note_started(conn, client.settings.queue, SYSTEM_CLOCK.now() - timedelta(minutes=30))

    assert run() == 1  # the lost one, not the one a worker holds, nor those waiting their turn
    with client.engine.connect() as conn:
        assert relay_marks.republished(conn, client.settings.queue) == 1
    assert run() == 0  # sent again just now: not lost again


def test_with_an_empty_queue_a_command_sent_longer_ago_than_the_grace_is_lost(relay):
    client, run = relay
    command = grant("lost@example.com")
    client.submit([command])
    client.celery.control.purge()
    assert run() == 0  # sent less than the grace ago
    time.sleep(GRACE * 1.5)

    assert run() == 1


def test_the_relay_scan_reads_the_index_of_queued_rows(relay):
    client, _ = relay
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM commands" in statement and "coalesce" in statement:
            seen.append((statement, parameters))

    with client.engine.connect() as conn:
        event.listen(conn, "before_cursor_execute", capture)
        SqlCommandLog(conn).take_unapplied(SYSTEM_CLOCK.now(), 500, SYSTEM_CLOCK.now())  # the relay's own scan
        event.remove(conn, "before_cursor_execute", capture)
        conn.rollback()
        statement, parameters = seen[0]
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # a small table here: is the index usable at all?
            # Each month's partition is nearly empty here, and the index of (job_id, status) costs as little as the
            # partial one: set aside in this transaction, which rolls back, so that the plan says whether the
            # partial index serves the scan.
            conn.exec_driver_sql("DROP INDEX ix_commands_job_id_status")
            plan = " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
            conn.rollback()
            conn.exec_driver_sql("RESET enable_seqscan")
        else:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    # On PostgreSQL, the partial index of each month's partition (named after the partition and its expression)
    assert "ix_commands_queued_last_sent" in plan or "coalesce_idx on commands_" in plan, plan
    assert all(index.endswith("coalesce_idx") for index in re.findall(r"using (\S+) on commands_", plan)), plan


def waits_on_a_lock(engine) -> bool:
    """Whether a session of this database waits for a lock another transaction holds."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'")).scalar_one() > 0


def test_two_workers_starting_a_queues_first_messages_at_once_both_leave_their_mark(pg_database_url):
    """Each worker notes the message it starts in its own transaction; the second waits for the first's new row
    and then moves it on: neither fails, so neither message waits for the relay to be sent again."""
    from concurrent.futures import ThreadPoolExecutor

    from store.engine import make_engine
    from store.tables import relay_marks as marks_table

    engine = make_engine(pg_database_url)
    queue, first, second = f"race-{time.time_ns()}", NOW, NOW + timedelta(seconds=1)
    try:
        with engine.connect() as one, engine.connect() as other, ThreadPoolExecutor(1) as pool:
            relay_marks.note_started(one, queue, first)  # not committed yet: the row is not visible to `other`

            def second_worker():
                relay_marks.note_started(other, queue, second)
                other.commit()

            waiting = pool.submit(second_worker)
            wait_until(lambda: waits_on_a_lock(engine), "the second worker to wait for the first one's row")
            assert not waiting.done()
            one.commit()
            waiting.result(timeout=10)  # raised a unique violation before
        with engine.connect() as conn:
            assert relay_marks.started_sent_at(conn, queue) == second
            relay_marks.note_started(conn, queue, first)  # an older message started later moves nothing back
            relay_marks.count_republished(conn, queue, 3)
            relay_marks.count_republished(conn, queue, 2)
            assert relay_marks.started_sent_at(conn, queue) == second
            assert relay_marks.republished(conn, queue) == 5
            conn.execute(marks_table.delete().where(marks_table.c.queue == queue))
            conn.commit()
    finally:
        engine.dispose()
