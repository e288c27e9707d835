"""What /metrics reads from the store, on SQLite and PostgreSQL: command tallies folded or not, batch sizes
recorded per worker process, running jobs' progress."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sqlalchemy import select, text, update

from domain.states import JobState
from store import jobs
from store.metrics import batch_sizes, command_tallies
from store.metrics.command_tallies import FINAL, LATENCY_BOUNDS
from store.metrics.histograms import le_label
from store.metrics.scrape_figures import read_scrape_figures
from store.tables import command_tallies as tallies_table
from store.tables import commands, tally_marks
from workers.apply import apply_message

from ..support.builders import account_with_admin, add_user, grant
from .apply_here import applier

LAG = timedelta(minutes=6)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def store(database_url, tmp_path):
    settings, engine, factory, apply = applier(database_url, tmp_path)
    yield engine, factory, apply
    engine.dispose()


def counts_in_store(engine) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        rows = conn.execute(select(commands.c.type, commands.c.status, text("count(*)"))
                            .where(commands.c.status.in_(FINAL)).group_by(commands.c.type, commands.c.status))
        return {(kind, status): n for kind, status, n in rows}


def latencies_in_store(engine) -> list[float]:
    with engine.connect() as conn:
        rows = conn.execute(select(commands.c.submitted_at, commands.c.finished_at)
                            .where(commands.c.status.in_(FINAL))).all()
    return [max(0.0, (done - submitted).total_seconds()) for submitted, done in rows]


def expected_buckets(latencies: list[float]) -> list[tuple[str, int]]:
    return [(le_label(bound), sum(1 for s in latencies if s <= bound)) for bound in LATENCY_BOUNDS]


def some_work(apply) -> None:
    """Applied, rejected and pending commands of three types."""
    assert apply(account_with_admin()) == ["applied"]
    assert apply(add_user("bob@example.com"), grant("bob@example.com"), grant("nobody@example.com"),
                 grant("bob@example.com", by="eve@example.com")) == ["applied", "applied", "pending", "rejected"]


def age(engine, by: timedelta, **latency) -> None:
    """Move every command back in time (as if applied `by` ago); `latency`: the final ones were submitted this
    long before they finished."""
    with engine.begin() as conn:
        for row in conn.execute(select(commands.c.id, commands.c.status, commands.c.submitted_at,
                                       commands.c.finished_at)).all():
            finished = row.finished_at - by if row.finished_at else None
            submitted = finished - timedelta(**latency) if latency and row.status in FINAL else row.submitted_at - by
            conn.execute(update(commands).where(commands.c.id == row.id)
                         .values(submitted_at=submitted, finished_at=finished))


def test_commands_are_counted_by_type_and_final_status_and_pending_is_not(store):
    engine, _factory, apply = store
    some_work(apply)
    tallies = command_tallies.read(engine, utcnow(), LAG)
    assert {key: n for key, n in tallies.counts.items() if n} == counts_in_store(engine) == {
        ("create_account", "applied"): 1, ("add_user", "applied"): 1, ("grant_admin", "applied"): 1,
        ("grant_admin", "rejected"): 1}
    assert tallies.latency.count == 4
    assert tallies.latency.buckets == expected_buckets(latencies_in_store(engine))


def test_what_finished_before_the_lag_is_folded_once_and_still_counted_once(store):
    engine, _factory, apply = store
    some_work(apply)
    age(engine, timedelta(hours=1), seconds=42)  # every final command took 42 s, an hour ago
    first = command_tallies.read(engine, utcnow(), LAG)
    with engine.connect() as conn:
        folded = conn.execute(select(tallies_table.c.type, tallies_table.c.status, tallies_table.c.le,
                                     tallies_table.c.commands)).all()
        mark = conn.execute(select(tally_marks.c.folded_until)).scalar_one()
    assert sorted(folded) == sorted([("create_account", "applied", "60.0", 1), ("add_user", "applied", "60.0", 1),
                                     ("grant_admin", "applied", "60.0", 1), ("grant_admin", "rejected", "60.0", 1)])
    assert utcnow() - LAG - timedelta(seconds=5) < mark < utcnow() - LAG
    assert dict(first.latency.buckets)["30.0"] == 0 and dict(first.latency.buckets)["60.0"] == 4
    assert first.latency.total == pytest.approx(4 * 42.0, abs=0.01)

    # Later commands are read from the commands table, beside the folded ones, and nothing is counted twice.
    assert apply(grant("carol@example.com", by="eve@example.com")) == ["rejected"]
    again = command_tallies.read(engine, utcnow(), LAG)
    assert {key: n for key, n in again.counts.items() if n} == counts_in_store(engine)
    assert again.counts[("grant_admin", "rejected")] == 2
    assert again.latency.count == 5
    assert again.latency.buckets == expected_buckets(latencies_in_store(engine))


def test_scrapes_folding_at_once_fold_each_command_once(store):
    engine, _factory, apply = store
    some_work(apply)
    age(engine, timedelta(hours=1))
    errors = []

    def scrape():
        try:
            command_tallies.read(engine, utcnow(), LAG)
        except Exception as error:  # reported below, with the others
            errors.append(error)

    threads = [threading.Thread(target=scrape) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT sum(commands) FROM command_tallies")).scalar_one() == 4
    assert {k: n for k, n in command_tallies.read(engine, utcnow(), LAG).counts.items() if n} == \
        counts_in_store(engine)


def test_batch_sizes_of_every_worker_process_add_up(store):
    engine, _factory, _apply = store
    with engine.begin() as conn:
        for writer, size in [("host-a:7", 1), ("host-a:7", 500), ("host-b:7", 500), ("host-b:9", 3)]:
            batch_sizes.record(conn, size, writer=writer)
    with engine.connect() as conn:
        histogram = batch_sizes.read(conn)
        writers = conn.execute(text("SELECT count(DISTINCT writer) FROM batch_sizes")).scalar_one()
    assert (histogram.count, histogram.total, writers) == (4, 1004.0, 3)
    found = dict(histogram.buckets)
    assert (found["1.0"], found["5.0"], found["250.0"], found["500.0"], found["+Inf"]) == (1, 2, 2, 4, 4)


def test_a_worker_records_the_size_of_each_message_it_takes(store):
    engine, _factory, apply = store
    apply(account_with_admin())
    apply(add_user("bob@example.com"), grant("bob@example.com"), grant("nobody@example.com"))
    with engine.connect() as conn:
        histogram = batch_sizes.read(conn)
        writers = conn.execute(text("SELECT writer FROM batch_sizes")).scalars().all()
    assert (histogram.count, histogram.total) == (2, 4.0)
    assert dict(histogram.buckets)["1.0"] == 1 and dict(histogram.buckets)["5.0"] == 2
    assert set(writers) == {batch_sizes.this_process()}


def test_running_jobs_show_rows_dealt_with_and_rows_expected_until_they_are_done(store):
    engine, factory, apply = store
    apply(account_with_admin())
    job = jobs.open_job(engine, uuid4(), kind="people", file_name="people.csv", file_digest="d" * 64,
                        file_format="csv", actor="alice@example.com", rows_expected=3, now=utcnow())
    first, second = add_user("p1@example.com"), add_user("p2@example.com")
    rows = [jobs.JobRow(2, first, "p1@example.com"), jobs.JobRow(3, second, "p2@example.com")]
    jobs.journal_batch(engine, job.id, rows, [(4, "email", "invalid email")], last_line=4, now=utcnow())

    def running() -> list[tuple[str, int, int]]:
        return [(j.id, j.rows_done, j.rows_expected) for j in read_scrape_figures(engine, utcnow(), LAG).running_jobs]

    assert running() == [(str(job.id), 1, 3)]  # the invalid row only
    assert read_scrape_figures(engine, utcnow(), LAG).commands_queued == 2
    apply_message({"v": 1, "commands": [first.model_dump(mode="json")]}, factory, max_attempts=5, chunk=500,
                  lease=timedelta(seconds=60))
    assert running() == [(str(job.id), 2, 3)]
    jobs.mark(engine, job.id, JobState.SUBMITTED, utcnow())
    assert running() == [(str(job.id), 2, 3)]  # read whole, but a row still queued
    apply_message({"v": 1, "commands": [second.model_dump(mode="json")]}, factory, max_attempts=5, chunk=500,
                  lease=timedelta(seconds=60))
    assert running() == []
