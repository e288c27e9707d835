"""Revision 0027p partitions the journal and the audit trail by month on PostgreSQL, in place: a store filled over
several months keeps every row and index, and the workers' statements work on it; SQLite keeps its tables."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

from sqlalchemy import bindparam, insert, select, text

from domain.issued_span import IssuedSpan
from store.command_log import SqlCommandLog
from store.tables import audit_log, commands, metadata

from .migrations import migrate

START = datetime(2026, 3, 14, 9, tzinfo=timezone.utc)  # rows over March to November 2026
COMMAND_ROWS, AUDIT_ROWS = 3_000, 1_500
INDEXES = {"commands": {"pk_commands", "ix_commands_queued_last_sent", "ix_commands_job_id_status",
                        "ix_commands_finished_at", "ix_commands_api_key_id", "ix_commands_job_prerequisites"},
           "audit_log": {"pk_audit_log", "ix_audit_log_account_at"}}


def fill(engine) -> tuple[list[dict], list[dict]]:
    """Commands and audit entries issued every 2 hours over 250 days, a third of the commands still queued."""
    rows = [dict(id=uuid4(), type="grant_admin", account="1001", actor="alice@example.com", source="job",
                 correlation_id=f"c{n}", issued_at=START + timedelta(hours=2 * n), payload={"n": n},
                 status="queued" if n % 3 == 0 else "succeeded", attempts=0, position=n % 400,
                 submitted_at=START + timedelta(hours=2 * n), job_id=uuid4() if n % 5 == 0 else None,
                 job_line=n) for n in range(COMMAND_ROWS)]
    entries = [dict(at=START + timedelta(hours=4 * n), actor="alice@example.com", action="grant_admin",
                    target=f"p{n}@example.com", account="1001", command_id=rows[n]["id"], source="job",
                    detail=f"entry {n}") for n in range(AUDIT_ROWS)]
    with engine.begin() as conn:
        conn.execute(_insert(conn, "commands", rows[0]), rows)
        conn.execute(_insert(conn, "audit_log", entries[0]), entries)
    return rows, entries


def _insert(conn, table: str, row: dict):
    """Written as the old schema's columns are (the store's types for UUIDs, times and JSON)."""
    columns = metadata.tables[table].c
    return text(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + n for n in row)})").bindparams(
        *[bindparam(n, type_=columns[n].type) for n in row])


def test_a_filled_store_keeps_every_row_and_index_and_the_workers_statements_work(fresh_engine):
    migrate(fresh_engine, "0026t")
    rows, entries = fill(fresh_engine)
    with fresh_engine.connect() as conn:
        before = {table: conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
                  for table in ("commands", "audit_log")}

    migrate(fresh_engine, "0027p")

    pg = fresh_engine.dialect.name == "postgresql"
    with fresh_engine.connect() as conn:
        for table, kept in before.items():
            assert conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() == kept
        if pg:
            # A month for each month of the rows, and the current and the next two
            this_month = datetime.now(timezone.utc)
            ahead = {f"{this_month.year + (this_month.month + n - 1) // 12:04d}_{(this_month.month + n - 1) % 12 + 1:02d}"
                     for n in range(3)}
            assert _partitions(conn, "commands") == {f"{row['issued_at']:%Y_%m}" for row in rows} | ahead | {"default"}
            assert _partitions(conn, "audit_log") == {f"{entry['at']:%Y_%m}" for entry in entries} | ahead | {"default"}
            assert _partitioned_by(conn, "commands") == "RANGE (issued_at)"
            assert _partitioned_by(conn, "audit_log") == "RANGE (at)"
            for table, names in INDEXES.items():
                assert _indexes(conn, table) == names
                for partition in _partitions(conn, table):  # each month holds each index
                    assert len(_indexes(conn, f"{table}_{partition}")) == len(names)
            assert conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'commands_2026_07'")
                                ).scalar_one() == ["fillfactor=50"]
            assert conn.execute(text("SELECT count(*) FROM ONLY commands_default")).scalar_one() == 0
            may = conn.execute(text("SELECT count(*) FROM ONLY commands_2026_05")).scalar_one()
            assert may == sum(1 for row in rows if row["issued_at"].month == 5) > 0

    # The workers' statements: a claim bounded by its commands' issue times, their results, a new audit entry
    queued = [row for row in rows if row["status"] == "queued"][100:400]
    span = IssuedSpan.of(row["issued_at"] for row in queued)
    now = datetime.now(timezone.utc)
    with fresh_engine.begin() as conn:
        log = SqlCommandLog(conn)
        claims = log.claim([row["id"] for row in queued], now, timedelta(seconds=60), span)
        assert {command_id: claim.attempts for command_id, claim in claims.items()} == {
            row["id"]: 1 for row in queued}
        assert log.finish_queued([{"id": row["id"], "issued_at": row["issued_at"], "status": "succeeded",
                                   "reason": None, "finished_at": now} for row in queued])
        conn.execute(insert(audit_log).values(at=now, actor="bob@example.com", action="revoke_admin",
                                              target="x@example.com", command_id=uuid4(), source="cli", detail=""))
    with fresh_engine.connect() as conn:
        assert conn.execute(select(commands.c.status).where(commands.c.id == queued[-1]["id"])).scalar_one() == \
            "succeeded"
        newest = conn.execute(select(audit_log.c.id, audit_log.c.at).order_by(audit_log.c.id.desc())).first()
        assert newest.id == AUDIT_ROWS + 1 and newest.at == now.replace(microsecond=newest.at.microsecond)

    migrate(fresh_engine, "0026t", down=True)
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM commands")).scalar_one() == COMMAND_ROWS
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == AUDIT_ROWS + 1
        if pg:
            assert _partitioned_by(conn, "commands") is None
            assert _indexes(conn, "commands") == INDEXES["commands"]


def _partitions(conn, table: str) -> set[str]:
    return {name.removeprefix(f"{table}_") for name in conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = CAST(:t AS regclass)"), {"t": table}).scalars()}


def _partitioned_by(conn, table: str) -> str | None:
    return conn.execute(text("SELECT pg_get_partkeydef(CAST(:t AS regclass))"), {"t": table}).scalar()


def _indexes(conn, table: str) -> set[str]:
    return set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = :t"), {"t": table}).scalars())
