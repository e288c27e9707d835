"""The journal's and the audit trail's monthly partitions on PostgreSQL: beat creates them ahead (taking their rows out
of the DEFAULT partition), the prune drops a month whose every row may go and deletes row by row in the others, and
the workers' statements by id read only the months of their batch."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from sqlalchemy import event, insert, select, text

from domain.issued_span import IssuedSpan
from messaging.broker import PRUNE_RETENTION
from store.command_log import SqlCommandLog
from store.engine import make_engine
from store.migrate import upgrade
from store.partitions import create_ahead, month, months
from store.retention import Retention, prune
from store.tables import COMMANDS_FILLFACTOR, audit_log, commands, jobs
from workers.celery_app import create_app

from ..support.services import empty_store, new_pg_database
from ..support.stack_settings import make_settings

NOW = datetime(2026, 12, 7, 12, tzinfo=timezone.utc)
A = month("commands", NOW - timedelta(days=500))  # July 2025: every row may go
B = month("commands", A.starts, 1)  # August 2025: one command still queued
C = month("commands", A.starts, 2)  # September 2025: a command of a job that still runs


@pytest.fixture
def engine(pg_database_url):
    empty_store(pg_database_url)
    engine = make_engine(pg_database_url)
    create_ahead(engine, A.starts, ahead=2)
    yield engine
    engine.dispose()


def command(issued: datetime, status: str = "applied", finished: datetime | None = None,
            job: UUID | None = None) -> dict:
    ident = uuid4()
    return dict(id=ident, type="grant_admin", account="1001", actor="alice@example.com", source="job" if job else "cli",
                correlation_id=str(ident), issued_at=issued, payload={}, status=status, attempts=1,
                submitted_at=issued, finished_at=finished if finished or status == "queued" else issued, job_id=job,
                job_line=1 if job else None)


def audit(at: datetime) -> dict:
    return dict(at=at, actor="alice@example.com", action="admin.granted", target="b", account="1001",
                command_id=uuid4(), source="cli", detail="")


def partitions(engine, table: str = "commands") -> set[str]:
    with engine.connect() as conn:
        return {part.name for part in months(conn, table)}


def test_beat_creates_the_months_ahead_and_moves_their_rows_out_of_the_default_partition(engine):
    far = month("commands", NOW, 5)
    with engine.begin() as conn:  # a producer whose clock ran five months ahead: its row went to DEFAULT
        conn.execute(text(f"DROP TABLE IF EXISTS {far.name}"))
        conn.execute(insert(commands), [command(far.starts + timedelta(days=3), "queued")])
        assert conn.execute(text("SELECT count(*) FROM commands_default")).scalar_one() == 1

    created = create_ahead(engine, far.starts - timedelta(days=20), ahead=1)

    assert far.name in created and far.name in partitions(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM commands_default")).scalar_one() == 0
        assert conn.execute(text(f"SELECT count(*) FROM {far.name}")).scalar_one() == 1
        assert conn.execute(text(f"SELECT reloptions FROM pg_class WHERE relname = '{far.name}'")).scalar_one() == \
            [f"fillfactor={COMMANDS_FILLFACTOR}"]
        indexes = conn.execute(text("SELECT count(*) FROM pg_indexes WHERE tablename = :t"), {"t": far.name}).scalar()
        assert indexes == len(commands.indexes) + 1  # the key and each index of commands
    assert create_ahead(engine, far.starts - timedelta(days=20), ahead=1) == []  # made once


def test_beats_prune_keeps_the_next_two_months_created(engine, pg_database_url, tmp_path):
    last = month("audit_log", datetime.now(timezone.utc), 2)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {last.name}"))  # as if the store had been migrated three months ago
    app = create_app(make_settings(tmp_path / "var", pg_database_url, None))

    app.tasks[PRUNE_RETENTION]()

    assert last.name in partitions(engine, "audit_log")


def test_a_month_every_row_of_which_may_go_is_dropped_and_the_others_pruned_row_by_row(engine):
    running = uuid4()
    with engine.begin() as conn:
        conn.execute(insert(jobs).values(id=running, kind="onboard", file_name="f.csv", file_digest="0" * 64,
                                         file_format="csv", actor="support", state="submitted", rows_read=2,
                                         created_at=A.starts, producer_seen_at=A.starts))
        conn.execute(insert(commands), [command(A.starts + timedelta(hours=n)) for n in range(50)]
                     + [command(B.starts + timedelta(hours=n)) for n in range(30)]
                     + [command(B.starts, "queued"),
                        command(C.starts, job=running), command(NOW, "queued", job=running)])
        conn.execute(insert(audit_log), [audit(A.starts + timedelta(hours=n)) for n in range(20)] + [audit(NOW)])
    dry = prune(engine, NOW, Retention(), dry_run=True)

    removed = prune(engine, NOW, Retention())

    assert removed["commands"] == dry["commands"] == 80 and removed["audit_log"] == dry["audit_log"] == 20
    assert A.name not in partitions(engine) and {B.name, C.name} <= partitions(engine)
    assert month("audit_log", A.starts).name not in partitions(engine, "audit_log")
    with engine.connect() as conn:
        assert sorted(conn.execute(select(commands.c.status, commands.c.issued_at)).all()) == [
            ("applied", C.starts), ("queued", B.starts), ("queued", NOW)]
        assert conn.execute(select(audit_log.c.at)).scalars().all() == [NOW]


def test_the_claim_and_the_chunks_statuses_read_only_the_months_of_their_batch():
    """17 months of commands: a batch issued in this month and the last is claimed and finished reading only
    those two months' partitions."""
    with new_pg_database("envadmin_parts_explain") as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            first = month("commands", NOW, -15)
            create_ahead(engine, first.starts, ahead=17)
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO commands (id, type, account, actor, source, correlation_id, issued_at, payload, "
                    "status, attempts, position, submitted_at) SELECT gen_random_uuid(), 'grant_admin', '1001', "
                    "'support', 'job', 'c', %(first)s::timestamptz + g * interval '1 hour', '{}', 'queued', 0, 0, "
                    "now() FROM generate_series(0, 17 * 24 * 30) AS g", {"first": first.starts})
                conn.exec_driver_sql("ANALYZE commands")
                batch = conn.execute(select(commands.c.id, commands.c.issued_at).where(
                    commands.c.issued_at >= month("commands", NOW, -1).starts - timedelta(days=2),
                    commands.c.issued_at < month("commands", NOW).starts + timedelta(days=2))
                    .order_by(commands.c.issued_at).limit(400)).all()
            span = IssuedSpan.of(row.issued_at for row in batch)
            expected = {month("commands", span.earliest).name, month("commands", span.latest).name}
            assert len(expected) == 2
            with engine.connect() as conn:
                log = SqlCommandLog(conn)
                with _statements(conn) as seen:
                    claims = log.claim([row.id for row in batch], NOW, timedelta(seconds=60), span)
                    assert len(claims) == len(batch)
                    assert log.finish_queued([{"id": row.id, "issued_at": row.issued_at, "status": "applied",
                                               "reason": None, "finished_at": NOW} for row in batch])
                plans = {verb: _plan(conn, statement, parameters) for verb, statement, parameters in seen}
                conn.rollback()
        finally:
            engine.dispose()
    assert set(plans) == {"claim", "finish"}
    for plan in plans.values():
        plan = re.sub(r"'\{[^}]*\}'", "'{…}'", plan)  # the batch's ids
        assert set(re.findall(r"\bon (commands_(?:\d{4}_\d{2}|default))\b", plan)) == expected, plan
        assert "Seq Scan" not in plan, plan


class _statements:
    """The claim's and the statuses' statements run on `conn` meanwhile, with their parameters."""

    def __init__(self, conn):
        self.conn, self.seen = conn, []

    def _capture(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("WITH locked"):
            self.seen.append(("claim", statement, parameters))
        elif statement.lstrip().startswith("UPDATE commands AS t"):
            self.seen.append(("finish", statement, parameters))

    def __enter__(self):
        event.listen(self.conn, "before_cursor_execute", self._capture)
        return self.seen

    def __exit__(self, *exc):
        event.remove(self.conn, "before_cursor_execute", self._capture)


def _plan(conn, statement: str, parameters) -> str:
    return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
