"""Commands by status as the dashboard and `envadmin status` count them (store.metrics.status_counts), on SQLite and
PostgreSQL: the same as counting the journal, settled statuses from the tallies and the others as they are now."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

from sqlalchemy import delete, func, insert, select, update

from store.engine import make_engine
from store.metrics.status_counts import by_status
from store.tables import commands

NOW = datetime(2026, 12, 7, 12, tzinfo=timezone.utc)
EARLIER = NOW - timedelta(hours=1)


def row(status: str) -> dict:
    finished = None if status in ("queued", "pending") else EARLIER
    return dict(id=uuid4(), type="grant_admin", account="1001", actor="support", source="cli",
                correlation_id="c", issued_at=EARLIER, payload={}, status=status, attempts=1, submitted_at=EARLIER,
                finished_at=finished)


def counted(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(commands.c.status, func.count()).group_by(commands.c.status)).all())


def test_the_counts_are_the_journals_and_settled_ones_stay_counted_after_the_prune(database_url):
    engine = make_engine(database_url)
    statuses = ["applied"] * 3 + ["rejected", "superseded", "expired", "queued", "queued", "pending", "failed"]
    rows = [row(status) for status in statuses]
    with engine.begin() as conn:
        conn.execute(insert(commands), rows)

    assert {s: n for s, n in by_status(engine, NOW, timedelta(0)).items() if n} == counted(engine)

    replayed = next(r["id"] for r in rows if r["status"] == "failed")
    pruned = next(r["id"] for r in rows if r["status"] == "applied")
    with engine.begin() as conn:  # a dead letter replayed and applied; an applied command pruned
        conn.execute(update(commands).where(commands.c.id == replayed).values(status="applied", finished_at=NOW + timedelta(milliseconds=500)))
        conn.execute(delete(commands).where(commands.c.id == pruned))
    after = by_status(engine, NOW + timedelta(seconds=1), timedelta(0))
    engine.dispose()

    assert (after["applied"], after["failed"], after["queued"], after["pending"]) == (4, 0, 2, 1)
