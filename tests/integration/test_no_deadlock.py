"""Two worker processes applying mixed chunks over the same accounts never deadlock on PostgreSQL.

Each message mixes a command applied one at a time (create_group) on one account with a set-based run of
grants on another, and the next message has the two accounts the other way round. A worker that locked
accounts in the order its commands come would lock them in opposite orders in two such chunks at once.
"""
from __future__ import annotations

from producers.services.client import Client, new_command

from ..support.builders import account_with_admin, grant
from ..support.running_workers import worker_process
from ..support.sql import rows
from ..support.waiting import wait_until
from .fast_stacks import fast_settings

MESSAGES = 24
GRANTS = 150


def deadlocks(client: Client) -> int:
    return rows(client, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")[0][0]


def mixed_message(number: int, first: str, second: str) -> list:
    one_at_a_time = new_command("create_group", actor="support", source="cli", account=first, group=f"G{number}")
    return [one_at_a_time] + [grant(f"m{number}-{i}@example.com", second, by="support") for i in range(GRANTS)]


def test_two_workers_on_mixed_chunks_over_the_same_accounts_never_deadlock(request, tmp_path):
    settings = fast_settings(request, tmp_path, "redis+postgres", apply_chunk=GRANTS + 1, publish_batch=GRANTS + 1,
                             relay_after_seconds=20)
    client = Client(settings)
    try:
        opened = [account_with_admin("1001", "alice@example.com"), account_with_admin("2002", "bob@example.com")]
        client.submit(opened)
        with worker_process(settings, tmp_path / "worker.log", "--concurrency=2"):
            assert client.wait([c.id for c in opened], timeout=60) == {c.id: "applied" for c in opened}
            before = deadlocks(client)
            messages = [mixed_message(n, *(("1001", "2002") if n % 2 else ("2002", "1001"))) for n in range(MESSAGES)]
            for message in messages:
                client.submit(message)  # one message each
            ids = [c.id for message in messages for c in message]
            wait_until(lambda: all(s != "queued" for s in client.wait(ids, timeout=0).values()),
                       "every command to be applied", timeout=180)
        # The workers' sessions have ended: their statistics are flushed.
        assert deadlocks(client) - before == 0
        statuses = client.wait(ids, timeout=0)
        assert sorted(set(statuses.values())) == ["applied", "pending"]  # groups applied, invites pending
    finally:
        client.close()
