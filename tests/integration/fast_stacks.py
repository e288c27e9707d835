"""Stacks with short relay, visibility and lease times, for the tests of what workers do when things go wrong:
on Redis + PostgreSQL (a Redis database of their own) and on the embedded default."""
from __future__ import annotations

import os

from ..support.services import REDIS_URL, empty_store
from ..support.stack_settings import make_settings

# Chunks of 20 and messages of 500: a test's few thousand commands make several messages of many chunks each.
FAST = dict(relay_after_seconds=2, relay_interval_seconds=1, visibility_timeout_seconds=10, apply_chunk=20,
            publish_batch=500, lease_seconds=3)


def _redis_db(url: str, db: int) -> str:
    return f"{url.rsplit('/', 1)[0]}/{db}"


# A Redis database of these tests' own: they flush it, and other tests flush theirs.
NO_LOSS_REDIS_URL = os.environ.get("ENVADMIN_TEST_REDIS_NO_LOSS",
                                   _redis_db(REDIS_URL, int(REDIS_URL.rsplit("/", 1)[1]) + 1))


def fast_settings(request, tmp_path, stack: str, **extra):
    """Settings on `stack` ("embedded" or "redis+postgres", the store emptied) with the FAST times, and `extra`."""
    if stack == "embedded":
        return make_settings(tmp_path / "var", None, None, **{**FAST, **extra})
    broker = request.getfixturevalue("no_loss_redis_url")
    database = request.getfixturevalue("pg_database_url")
    empty_store(database)
    return make_settings(tmp_path / "var", database, broker, **{**FAST, **extra})
