"""Idempotency keys in the store, on SQLite and PostgreSQL: one record per caller and key, a second one refused by
the primary key, the key held by a transaction on PostgreSQL, and records pruned once older than the retention."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from messaging.broker import PRUNE_IDEMPOTENCY_KEYS
from store.engine import make_engine
from store.idempotency import FirstAnswer, KeyTaken, first_answer, lock_key, prune_keys, remember
from store.tables import idempotency_keys
from workers.celery_app import create_app

from ..support.stack_settings import make_settings
from .migrations import migrate

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
ANSWER = FirstAnswer("ab" * 32, 202, {"commands": [{"id": "x", "status": "queued", "reason": None}],
                                      "published": True})


def keys_left(engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(select(idempotency_keys.c.owner, idempotency_keys.c.key))}


def test_a_first_answer_is_kept_per_owner_and_key(engine):
    with engine.begin() as conn:
        remember(conn, "key:hr", "k1", ANSWER, NOW)
        remember(conn, "key:crm", "k1", FirstAnswer("cd" * 32, 202, {"commands": []}), NOW)
    with engine.connect() as conn:
        assert first_answer(conn, "key:hr", "k1") == ANSWER
        assert first_answer(conn, "key:crm", "k1").fingerprint == "cd" * 32
        assert first_answer(conn, "key:hr", "k2") is None
        assert first_answer(conn, "token:ENVADMIN_API_TOKEN", "k1") is None


def test_a_second_record_of_the_same_key_is_refused_and_the_first_stays(engine):
    with engine.begin() as conn:
        remember(conn, "key:hr", "k1", ANSWER, NOW)
    with engine.connect() as conn:
        with pytest.raises(KeyTaken):
            remember(conn, "key:hr", "k1", FirstAnswer("cd" * 32, 202, {}), NOW + timedelta(seconds=1))
        conn.rollback()
        assert first_answer(conn, "key:hr", "k1") == ANSWER


def test_on_postgresql_a_transaction_holds_the_key_until_it_ends(pg_database_url):
    engine = make_engine(pg_database_url)  # SQLite serializes writers when they begin: no key is held there
    with engine.connect() as first, engine.connect() as second:
        assert lock_key(first, "key:hr", "k1")
        assert not lock_key(second, "key:hr", "k1")
        assert lock_key(second, "key:hr", "k2") and lock_key(second, "key:crm", "k1")  # other keys are free
        second.rollback()
        first.commit()
        assert lock_key(second, "key:hr", "k1")
        second.rollback()
    engine.dispose()


def test_pruning_removes_only_the_records_older_than_the_retention(engine):
    with engine.begin() as conn:
        remember(conn, "key:hr", "old", ANSWER, NOW - timedelta(hours=24, seconds=1))
        remember(conn, "key:hr", "just-kept", ANSWER, NOW - timedelta(hours=24))
        remember(conn, "key:hr", "new", ANSWER, NOW - timedelta(minutes=5))
    with engine.begin() as conn:
        assert prune_keys(conn, NOW - timedelta(hours=24)) == 1
    assert keys_left(engine) == {("key:hr", "just-kept"), ("key:hr", "new")}


def test_the_beat_job_prunes_the_keys_older_than_the_setting(database_url, engine, tmp_path):
    app = create_app(make_settings(tmp_path / "var", database_url, None, idempotency_key_hours=48))
    assert any(entry["task"] == PRUNE_IDEMPOTENCY_KEYS for entry in app.conf.beat_schedule.values())
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        remember(conn, "key:hr", "three-days", ANSWER, now - timedelta(hours=72))
        remember(conn, "key:hr", "one-day", ANSWER, now - timedelta(hours=25))
    assert app.tasks[PRUNE_IDEMPOTENCY_KEYS]() == 1
    assert keys_left(engine) == {("key:hr", "one-day")}


def test_the_retention_cannot_be_set_below_24_hours(tmp_path):
    with pytest.raises(ValueError, match="idempotency_key_hours"):
        make_settings(tmp_path / "var", None, None, idempotency_key_hours=23)


def test_the_migration_adds_the_table_and_takes_it_away(fresh_engine):
    migrate(fresh_engine, "0019i")
    assert "idempotency_keys" in inspect(fresh_engine).get_table_names()
    assert inspect(fresh_engine).get_pk_constraint("idempotency_keys")["constrained_columns"] == ["owner", "key"]
    assert [ix["column_names"] for ix in inspect(fresh_engine).get_indexes("idempotency_keys")] == [["created_at"]]
    migrate(fresh_engine, "0018k", down=True)
    assert "idempotency_keys" not in inspect(fresh_engine).get_table_names()
