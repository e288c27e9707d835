"""The monthly partitions of the journal and the audit trail on PostgreSQL (revision 0027p made them): commands by
issued_at, audit_log by at, one partition per calendar month in UTC named like commands_2026_12, and a DEFAULT
partition for rows of a month without one (a producer whose clock is wrong).

Beat creates the current and the next AHEAD months (`create_ahead`), and the month of any row the DEFAULT partition
holds (`move_default_rows`: rows of an archive restored, or of a clock set right since); the prune drops a month
whose every row may go (`drop_months`) instead of deleting its rows one by one. They take their locks with a short
timeout: a month's partition is created or dropped under a brief lock on its table that every worker's statement
waits behind, so it gives up rather than queue the workers behind a long transaction, and tries again at the next
run.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, Table, column, exists, func, select, table
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import ColumnElement, TableClause

from store.tables import COMMANDS_FILLFACTOR, audit_log, commands

logger = logging.getLogger(__name__)

AHEAD = 2  # months created ahead of the current one
LOCK_TIMEOUT_MS = 2_000
# Each partitioned table: its partition key, and the storage parameters of each of its partitions
MONTHLY: dict[str, tuple[str, str]] = {
    commands.name: ("issued_at", f" WITH (fillfactor = {COMMANDS_FILLFACTOR})"),
    audit_log.name: ("at", ""),
}


@dataclass(frozen=True)
class Month:
    """One month's partition of a table: its rows have starts <= key < ends."""

    name: str
    starts: datetime
    ends: datetime


def month(table_name: str, moment: datetime, later: int = 0) -> Month:
    """The partition of `table_name` holding `moment`, or the `later`-th after it."""
    index = moment.astimezone(timezone.utc).year * 12 + moment.astimezone(timezone.utc).month - 1 + later
    starts = datetime(index // 12, index % 12 + 1, 1, tzinfo=timezone.utc)
    ends = datetime((index + 1) // 12, (index + 1) % 12 + 1, 1, tzinfo=timezone.utc)
    return Month(f"{table_name}_{starts:%Y_%m}", starts, ends)


def months(conn: Connection, table_name: str) -> list[Month]:
    """The monthly partitions the table has, oldest first (not its DEFAULT partition)."""
    names = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %(table)s::regclass", {"table": table_name}).scalars()
    found = []
    for name in names:
        matched = re.fullmatch(rf"{table_name}_(\d{{4}})_(\d{{2}})", name)
        if matched:
            found.append(month(table_name, datetime(int(matched[1]), int(matched[2]), 1, tzinfo=timezone.utc)))
    return sorted(found, key=lambda found_month: found_month.starts)


def is_partitioned(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.exec_driver_sql(
        "SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'commands'::regclass").first() is not None


def create_ahead(engine: Engine, now: datetime, ahead: int = AHEAD) -> list[str]:
    """The partitions of the current and the next `ahead` months that are missing, created; their names. Rows of
    those months the DEFAULT partition holds move into them."""
    with engine.connect() as conn:
        if not is_partitioned(conn):
            return []
    parts = [(table_name, month(table_name, now, later)) for table_name in MONTHLY for later in range(ahead + 1)]
    return [part.name for table_name, part in parts if _created(engine, table_name, part)]


def move_default_rows(engine: Engine) -> list[str]:
    """The partitions of the months whose rows sit in the DEFAULT partition (an archive restored into the store, a
    producer's clock set right since), created, with those rows moved into them; their names. A month that has its
    partition already holds none of those rows: PostgreSQL files a row in the partition of its month."""
    with engine.connect() as conn:
        if not is_partitioned(conn):
            return []
        parts = [(table_name, month(table_name, start)) for table_name, (key, _) in MONTHLY.items()
                 for start in conn.exec_driver_sql(
                     f"SELECT DISTINCT date_trunc('month', {key}, 'UTC') FROM {table_name}_default").scalars()]
    return [part.name for table_name, part in parts if _created(engine, table_name, part)]


def _created(engine: Engine, table_name: str, part: Month) -> bool:
    """Whether the month's partition was missing and is now made, in a transaction of its own that gives up after
    LOCK_TIMEOUT_MS waiting for its table's lock (tried again at the next run)."""
    key, storage = MONTHLY[table_name]
    try:
        with engine.begin() as conn:
            if conn.exec_driver_sql("SELECT to_regclass(%(name)s)", {"name": part.name}).scalar():
                return False
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
            _create(conn, table_name, key, storage, part)
        return True
    except OperationalError as error:
        logger.warning("Partition %s not created this time (%s): tried again at the next run", part.name,
                       type(error.orig).__name__)
        return False


def _create(conn: Connection, table_name: str, key: str, storage: str, part: Month) -> None:
    """Made apart, filled with its month's rows from the DEFAULT partition, then attached: attaching takes a lighter
    lock on the table than creating it as a partition would."""
    bounds = {"starts": part.starts, "ends": part.ends}
    conn.exec_driver_sql(f"CREATE TABLE {part.name} (LIKE {table_name} INCLUDING DEFAULTS){storage}")
    conn.exec_driver_sql(
        f"WITH moved AS (DELETE FROM {table_name}_default WHERE {key} >= %(starts)s AND {key} < %(ends)s "
        f"RETURNING *) INSERT INTO {part.name} SELECT * FROM moved", bounds)
    conn.exec_driver_sql(f"ALTER TABLE {table_name} ATTACH PARTITION {part.name} "  # DDL takes no parameters
                         f"FOR VALUES FROM ('{part.starts.isoformat()}') TO ('{part.ends.isoformat()}')")


def drop_months(engine: Engine, partitioned: Table, before: datetime,
                kept: Callable[[Connection, TableClause], ColumnElement] | None = None) -> int:
    """Drop each month of the table that ends by `before` and holds no row `kept` (a condition on a partition's
    rows; None: every row may go); the rows dropped. A month is locked against writes while it is checked, so no
    row of it changes between the check and the drop."""
    dropped = 0
    with engine.connect() as conn:
        candidates = [part for part in months(conn, partitioned.name) if part.ends <= before]
    for part in candidates:
        rows = table(part.name, *(column(c.name, c.type) for c in partitioned.c))
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
                conn.exec_driver_sql(f"LOCK TABLE {part.name} IN SHARE MODE")
                if kept is not None and conn.execute(select(exists().where(kept(conn, rows)))).scalar():
                    continue
                count = conn.execute(select(func.count()).select_from(rows)).scalar_one()
                conn.exec_driver_sql(f"DROP TABLE {part.name}")
            dropped += count
            logger.info("Dropped partition %s: %d rows past their retention", part.name, count)
        except OperationalError as error:
            logger.warning("Partition %s not dropped this time (%s): tried again at the next run", part.name,
                           type(error.orig).__name__)
    return dropped
