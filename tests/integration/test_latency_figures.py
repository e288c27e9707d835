"""Latency, on SQLite and PostgreSQL, as the ops dashboard (p50/p99) and /metrics (histogram) read it: from
submission to the outcome a worker reached, applied, rejected or failed. A grant held pending waited for its
invitee, and a superseded command was decided by a later one: neither counts, however long it took."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from store.metrics import command_tallies
from store.metrics.ops_figures import read_figures
from store.tables import commands

from ..support.builders import account_with_admin, add_user, grant, revoke
from .apply_here import applier

LAG = timedelta(minutes=6)
SLOW = timedelta(hours=2)


@pytest.fixture
def store(database_url, tmp_path):
    _settings, engine, _factory, apply = applier(database_url, tmp_path)
    yield engine, apply
    engine.dispose()


def submitted_long_ago(engine, *ids) -> None:
    """As if these commands had been submitted SLOW before they finished."""
    with engine.begin() as conn:
        for command_id in ids:
            finished = conn.execute(select(commands.c.finished_at).where(commands.c.id == command_id)).scalar_one()
            conn.execute(update(commands).where(commands.c.id == command_id).values(submitted_at=finished - SLOW))


def test_pending_and_superseded_commands_are_left_out_of_both_latency_figures(store):
    engine, apply = store
    now = datetime.now(timezone.utc)
    assert apply(account_with_admin(), add_user("bob@example.com")) == ["applied", "applied"]
    refused = grant("carol@example.com", by="eve@example.com")
    held = grant("nobody@example.com")  # no user: an invite, the grant pending
    early = grant("bob@example.com").model_copy(update={"issued_at": now - timedelta(seconds=5)})
    later = revoke("bob@example.com").model_copy(update={"issued_at": now})
    assert apply(refused, held, later, early) == ["rejected", "pending", "applied", "superseded"]
    waited = grant("dora@example.com")
    assert apply(waited) == ["pending"]
    assert apply(add_user("dora@example.com")) == ["applied"]  # retries her pending grant: it ends applied
    submitted_long_ago(engine, held.id, early.id, waited.id)
    with engine.connect() as conn:
        assert conn.execute(select(commands.c.status).where(commands.c.id == waited.id)).scalar_one() == "applied"

    dashboard = read_figures(engine, datetime.now(timezone.utc))["latency_seconds"]
    histogram = command_tallies.read(engine, datetime.now(timezone.utc), LAG).latency

    # Timed: the account, Bob, Dora, the revoke, the refusal, and the retry of Dora's grant (its own command).
    assert dashboard["count"] == histogram.count == 6
    assert dashboard["p99"] < 60 and histogram.total < 60
    assert dict(histogram.buckets)["60.0"] == 6


def test_a_timed_command_submitted_long_before_it_ended_shows_in_both(store):
    engine, apply = store
    slow = add_user("bob@example.com")
    assert apply(account_with_admin(), slow) == ["applied", "applied"]
    submitted_long_ago(engine, slow.id)

    dashboard = read_figures(engine, datetime.now(timezone.utc))["latency_seconds"]
    histogram = command_tallies.read(engine, datetime.now(timezone.utc), LAG).latency

    assert dashboard["count"] == histogram.count == 2
    assert dashboard["p99"] == pytest.approx(SLOW.total_seconds(), abs=1)
    assert dict(histogram.buckets)["3600.0"] == 1 and dict(histogram.buckets)["86400.0"] == 2


def test_commands_folded_before_the_lag_keep_the_same_rule(store):
    engine, apply = store
    assert apply(account_with_admin()) == ["applied"]
    held = grant("nobody@example.com")
    assert apply(held, grant("carol@example.com", by="eve@example.com")) == ["pending", "rejected"]
    assert apply(add_user("nobody@example.com")) == ["applied"]
    submitted_long_ago(engine, held.id)
    with engine.begin() as conn:  # everything finished an hour ago: folded into the tallies at the next read
        for row in conn.execute(select(commands.c.id, commands.c.submitted_at, commands.c.finished_at)).all():
            conn.execute(update(commands).where(commands.c.id == row.id).values(
                submitted_at=row.submitted_at - timedelta(hours=1), finished_at=row.finished_at - timedelta(hours=1)))

    tallies = command_tallies.read(engine, datetime.now(timezone.utc), LAG)

    assert tallies.counts[("grant_admin", "applied")] == 2  # the held grant and its retry: both counted
    assert tallies.latency.count == 4  # the account, the refusal, Nobody's user, the retry; not the held grant
    assert dict(tallies.latency.buckets)["60.0"] == 4
