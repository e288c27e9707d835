"""The ops snapshot on a real store and broker: after a known workload, every figure says what happened."""
from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timezone
from uuid import uuid4

from messaging.broker import publish_batch, publish_mails
from producers.demo.processes import WorkerProcess
from producers.onboarding.job import Onboarding
from producers.ops.snapshot import EMBEDDED_NO_WORKERS, read_snapshot, read_workers
from producers.services.client import Client

from ..support.builders import account_with_admin, add_user, grant
from ..support.stack_settings import make_settings, settings_env
from ..support.waiting import wait_until
from .apply_here import applier

ALICE, ZED, MALLORY = "alice@example.com", "zed@example.com", "mallory@example.com"
WORKER_START_SECONDS = 60


def test_the_snapshot_counts_the_commands_grants_invites_mails_jobs_and_dead_letters_of_the_store(database_url,
                                                                                                   tmp_path):
    settings, engine, factory, apply = applier(database_url, tmp_path)
    statuses = apply(account_with_admin("1001", ALICE), add_user("bob@example.com"))
    statuses += apply(grant("p1@example.com"), grant("p2@example.com"))
    statuses += apply(account_with_admin("1002", ZED))
    statuses += apply(grant("p3@example.com", account="1002", by=ZED))
    statuses += apply(grant("x@example.com", by=MALLORY))
    assert statuses == ["applied", "applied", "pending", "pending", "applied", "pending", "rejected"]
    now = datetime.now(timezone.utc)
    lost = add_user("dan@example.com")
    with factory() as uow:
        uow.log.dead_letter(None, "unreadable message: not JSON", "garbage", now)
        uow.log.record_submitted([lost], now)
        uow.log.dead_letter(lost.id, "gave up after 5 attempts", lost.model_dump(mode="json"), now)
        uow.commit()
    client = Client(settings)  # its queue is an embedded folder that no worker reads
    try:
        client.submit([grant("q@example.com")])
        path = tmp_path / "people.csv"
        path.write_text("action,account,email\n" + "".join(f"grant,1001,j{i}@example.com\n" for i in range(3)))
        Onboarding(client, path, actor="support").run()

        snapshot = read_snapshot(client)
    finally:
        client.close()
    engine.dispose()

    assert snapshot["commands"] == {**dict.fromkeys(snapshot["commands"], 0),
                                    **Counter(statuses), "failed": 1, "queued": 1 + 3}
    assert sum(snapshot["applied_per_minute"]) == snapshot["applied_per_minute"][-1] == 3
    assert snapshot["applied_per_second"] == {"1m": 0.1, "5m": 0.0, "15m": 0.0}  # 3 in a minute, 3 in five
    # the commands a worker brought to an outcome: three applied, one rejected, the failed one; not the pending
    assert snapshot["latency_seconds"]["count"] == 5 and snapshot["latency_seconds"]["p99"] is not None
    grants = snapshot["pending_grants"]
    assert grants["count"] == 3 and 0 <= grants["oldest_seconds"] < 60
    assert grants["top_accounts"] == [{"account": "1001", "count": 2}, {"account": "1002", "count": 1}]
    assert snapshot["invites"]["pending"] == 3 and sum(snapshot["invites"].values()) == 3
    assert snapshot["outbox"]["queued"] == 3 and snapshot["outbox"]["sent"] == snapshot["outbox"]["failed"] == 0
    assert 0 <= snapshot["outbox"]["oldest_unsent_seconds"] < 60
    letters = snapshot["dead_letters"]
    assert letters["count"] == 2
    assert [(x["command_id"], x["command_status"], x["reason"]) for x in letters["latest"]] == [
        (str(lost.id), "failed", "gave up after 5 attempts"), (None, None, "unreadable message: not JSON")]
    [job] = snapshot["jobs"]["running"]
    assert (job["file"], job["rows"], job["percent"], job["counts"]["queued"]) == ("people.csv", 3, 0.0, 3)
    assert snapshot["jobs"]["recent"] == []
    assert snapshot["queues"] == [{"queue": settings.queue, "depths": {"all": 2}}]  # the grant, the job's batch
    assert snapshot["workers"] == {"note": EMBEDDED_NO_WORKERS, "list": []}
    assert snapshot["broker"].startswith("embedded")


def test_on_redis_the_depth_is_per_priority_and_the_worker_of_the_queue_is_listed(redis_broker_url, tmp_path):
    settings = make_settings(tmp_path / "var", None, redis_broker_url)
    client = Client(settings)
    try:
        for _ in range(2):
            assert publish_batch(client.celery, settings.queue, [{"not": "a command"}])
        assert publish_mails(client.celery, settings.queue, [uuid4(), uuid4()]) == 2  # one message
        snapshot = read_snapshot(client)
        assert snapshot["queues"] == [{"queue": settings.queue, "depths": {"commands": 2, "mails": 1}}]
        assert snapshot["workers"]["list"] == []
        assert f"no worker serving {settings.queue} answered" in snapshot["workers"]["note"]

        worker = WorkerProcess(tmp_path / "worker.log", "--concurrency=1", "--no-relay",
                               env=settings_env(settings))
        with worker:
            found = _wait_for_a_worker(client, settings)
            assert [w["queues"] for w in found] == [[settings.queue]]
            assert found[0]["name"] == worker.node_name

            def both_dead_lettered() -> dict | None:  # the two batches it could not read
                shown = read_snapshot(client)
                return shown if shown["dead_letters"]["count"] >= 2 else None

            snapshot = wait_until(both_dead_lettered, "the two unreadable batches to be dead letters", poll=0.2)
        assert snapshot["dead_letters"]["count"] == 2
        assert snapshot["queues"][0]["depths"]["commands"] == 0
    finally:
        client.close()


def test_two_workers_on_one_host_have_names_of_their_own(redis_broker_url, tmp_path):
    settings = make_settings(tmp_path / "var", None, redis_broker_url)
    client = Client(settings)
    named = ["--hostname=ops-second@%h"]  # a name given is kept
    workers = [WorkerProcess(tmp_path / f"worker{n}.log", "--concurrency=1", "--no-relay", *given,
                             env=settings_env(settings)) for n, given in ((1, []), (2, []), (3, named))]
    try:
        with workers[0], workers[1], workers[2]:
            found = _wait_for_a_worker(client, settings, count=3)
        assert sorted(w["name"] for w in found) == sorted(w.node_name for w in workers)
        assert workers[2].node_name.startswith("ops-second@")
        for worker in workers:
            assert "DuplicateNodenameWarning" not in worker.log_path.read_text()
    finally:
        client.close()


def test_a_broker_that_cannot_be_reached_is_said_within_seconds(tmp_path):
    settings = make_settings(tmp_path / "var", None, "redis://127.0.0.1:1/0")
    client = Client(settings)
    try:
        started = time.monotonic()
        snapshot = read_snapshot(client)
        assert time.monotonic() - started < 5
    finally:
        client.close()
    assert snapshot["queues"][0]["depths"] is None
    assert snapshot["workers"]["list"] == [] and "cannot be reached" in snapshot["workers"]["note"]


def _wait_for_a_worker(client: Client, settings, count: int = 1) -> list[dict]:
    """The workers the dashboard lists, once there are `count` of them."""
    def listed() -> list[dict] | None:
        found = read_workers(client.celery, settings)["list"]
        return found if len(found) >= count else None

    return wait_until(listed, f"{count} workers to be listed", timeout=WORKER_START_SECONDS, poll=0.2)
