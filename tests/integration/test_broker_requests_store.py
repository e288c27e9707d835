"""Broker requests in the store, on SQLite and PostgreSQL: written with their reply routes, found again by key and
message id, one per key and message id, pruned with their routes; the migration that adds them and takes them
away."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from messaging.broker import PRUNE_BROKER_REQUESTS
from store.broker_requests import (
    BrokerRequest,
    ReplyRoute,
    find_request,
    mark_published,
    prune_requests,
    record_request,
    reply_route,
)
from store.engine import make_engine
from workers.celery_app import create_app

from ..support.stack_settings import make_settings
from .migrations import migrate

NOW = datetime(2026, 12, 10, 4, 0, tzinfo=timezone.utc)
REQUEST = BrokerRequest("hr", "m-1", "f" * 64, "acme.replies", "c-1")


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_a_request_is_found_again_by_its_key_and_message_id_with_its_commands_in_order(engine):
    ids = [uuid4(), uuid4()]
    with engine.begin() as conn:
        request_id = record_request(conn, REQUEST, ids, NOW)
    found = find_request(engine, "hr", "m-1")
    assert (found.fingerprint, found.command_ids, found.published) == ("f" * 64, ids, False)
    mark_published(engine, [request_id])
    assert find_request(engine, "hr", "m-1").published
    assert find_request(engine, "other-key", "m-1") is None
    with engine.connect() as conn:
        assert reply_route(conn, ids[1]) == ReplyRoute("acme.replies", "c-1")
        assert reply_route(conn, uuid4()) is None


def test_a_key_journals_one_request_per_message_id_and_any_number_without_one(engine):
    with engine.begin() as conn:
        record_request(conn, REQUEST, [uuid4()], NOW)
        for _ in range(2):
            record_request(conn, BrokerRequest("hr", None, "f" * 64, "acme.replies", None), [uuid4()], NOW)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        record_request(conn, REQUEST, [uuid4()], NOW)


def test_pruning_forgets_the_requests_received_before_the_cutoff_and_their_routes(engine):
    old, new = uuid4(), uuid4()
    with engine.begin() as conn:
        record_request(conn, REQUEST, [old], NOW - timedelta(days=8))
        record_request(conn, BrokerRequest("hr", "m-2", "e" * 64, "acme.replies", None), [new], NOW)
    with engine.begin() as conn:
        assert prune_requests(conn, NOW - timedelta(days=7)) == 1
    assert find_request(engine, "hr", "m-1") is None and find_request(engine, "hr", "m-2") is not None
    with engine.connect() as conn:
        assert reply_route(conn, old) is None and reply_route(conn, new) is not None


def test_the_migration_adds_the_tables_and_takes_them_away(fresh_engine):
    migrate(fresh_engine, "0021r")
    assert {"broker_requests", "broker_reply_routes"} <= set(inspect(fresh_engine).get_table_names())
    migrate(fresh_engine, "0018k", down=True)
    assert not {"broker_requests", "broker_reply_routes"} & set(inspect(fresh_engine).get_table_names())


def test_beat_prunes_the_requests_older_than_the_retention(database_url, engine, tmp_path):
    app = create_app(make_settings(tmp_path / "var", database_url, None, broker_request_retention_days=7))
    assert any(entry["task"] == PRUNE_BROKER_REQUESTS for entry in app.conf.beat_schedule.values())
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        record_request(conn, REQUEST, [uuid4()], now - timedelta(days=7, minutes=1))
        record_request(conn, BrokerRequest("hr", "m-2", "e" * 64, "acme.replies", None), [uuid4()],
                       now - timedelta(days=6))
    assert app.tasks[PRUNE_BROKER_REQUESTS]() == 1
    assert find_request(engine, "hr", "m-1") is None and find_request(engine, "hr", "m-2") is not None
