"""A store that has run for a year: finished commands (and their audit entries) written straight into PostgreSQL
with SQL, spread over the last 360 days, as a long-lived store holds them before the prune removes any."""
from __future__ import annotations

import time
from datetime import timedelta

import psycopg

from domain.clock import SYSTEM_CLOCK
from store.engine import make_engine
from store.partitions import create_ahead

CHUNK = 500_000
SPREAD_SECONDS = 360 * 24 * 3600

_COMMANDS = """
INSERT INTO commands (id, type, account, actor, source, correlation_id, issued_at, payload, status, reason, attempts,
                      position, submitted_at, published_at, finished_at, deferrals)
SELECT gen_random_uuid(), 'grant_admin', h.account, 'support', 'job', 'history', h.at,
       json_build_object('type', 'grant_admin', 'account', h.account, 'email', h.email, 'actor', 'support',
                         'source', 'job', 'correlation_id', 'history', 'issued_at', h.at),
       'applied', h.email || ' is now an administrator of account ' || h.account || '.', 1, h.i %% 500,
       h.at, h.at, h.at + interval '1 second', 0
FROM (SELECT i, (900000 + i %% 5000)::text AS account, 'h' || i || '@history.example' AS email,
             now() - ((i * 7919) %% %(spread)s) * interval '1 second' AS at
      FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i) AS h
"""
_AUDIT = """
INSERT INTO audit_log (at, actor, action, target, account, command_id, source, detail)
SELECT now() - ((i * 7919) %% %(spread)s) * interval '1 second', 'support', 'admin.granted',
       'h' || i || '@history.example', (900000 + i %% 5000)::text, gen_random_uuid(), 'job', ''
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
"""


def fill_history(dsn: str, database_url: str, commands: int, audit: bool = True, progress=print) -> dict:
    """`commands` finished commands (and as many audit entries), in chunks, into the monthly partitions beat would
    have created over the year (store.partitions); then VACUUM ANALYZE, as autovacuum would have left a long-lived
    store. The figures of the fill."""
    started = time.perf_counter()
    engine = make_engine(database_url)
    try:
        year_ago = SYSTEM_CLOCK.now() - timedelta(seconds=SPREAD_SECONDS)
        create_ahead(engine, year_ago, ahead=13)
    finally:
        engine.dispose()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for first in range(1, commands + 1, CHUNK):
            last = min(first + CHUNK - 1, commands)
            params = {"first": first, "last": last, "spread": SPREAD_SECONDS}
            conn.execute(_COMMANDS, params)
            if audit:
                conn.execute(_AUDIT, params)
            progress(f"  history: {last:,} of {commands:,} commands written ({time.perf_counter() - started:.0f} s)")
        conn.execute("VACUUM ANALYZE commands")
        conn.execute("VACUUM ANALYZE audit_log")
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    return {"commands": commands, "audit_entries": commands if audit else 0,
            "seconds": round(time.perf_counter() - started, 1), "database_size": size}
