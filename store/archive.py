"""The history that is about to go, kept as a file: `envadmin archive --before DATE --to FILE` writes the rows the
prune would remove with DATE as their cutoff (finished jobs and their invalid rows, finished commands, the audit
trail's entries), and `envadmin archive --restore FILE` loads such a file into a store, to audit it there.

The file is gzip-compressed JSON Lines: one row a line, `{"table": ..., "row": {column: value}}`, UUIDs and times
as text (times in ISO 8601, UTC), read back by the column's type. Restoring keeps each row's key and skips a row
whose key the store already holds, so a file restored twice, or into the store it came from, adds nothing twice.
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from uuid import UUID

from sqlalchemy import Connection, Engine, Table, Uuid, func, select, text

from store.partitions import move_default_rows
from store.retention import HISTORY
from store.tables import UTCDateTime, metadata
from store.upsert import insert_for

READ_BATCH = 2_000
WRITE_BATCH = 1_000


class ArchiveError(ValueError):
    """A file that is not an archive of this store's tables, named with the line at fault."""


def archive(engine: Engine, before: datetime, path: Path) -> dict[str, int]:
    """Write the history the prune would remove with `before` as its cutoff; rows written per table. Reads one
    snapshot, so the file holds each row once."""
    written: dict[str, int] = {}
    with engine.connect() as conn, conn.begin(), gzip.open(path, "wt", encoding="utf-8") as out:
        for rule in HISTORY:  # a row before the rows that name it, as a restore inserts them
            keys = rule.keys(conn, before)
            for column in (rule.key, *rule.dependents):
                name = column.table.name
                written[name] = written.get(name, 0) + _write(conn, out, column.table, column.in_(keys))
    return written


def restore(engine: Engine, path: Path) -> dict[str, int]:
    """Load an archive into the store; rows added per table (those already there are skipped). On PostgreSQL, the
    months restored get their partitions again (their rows would otherwise sit in the DEFAULT partition, which
    every bounded read of the journal then scans)."""
    added: dict[str, int] = {}
    with engine.begin() as conn:
        batch: list[tuple[Table, dict]] = []
        for table, row in _rows(path):
            batch.append((table, row))
            if len(batch) >= WRITE_BATCH:
                _insert(conn, batch, added)
                batch = []
        _insert(conn, batch, added)
        if conn.dialect.name == "postgresql":
            _advance_sequences(conn, added)
    move_default_rows(engine)
    return added


def _write(conn: Connection, out, table: Table, where) -> int:
    written = 0
    for row in conn.execution_options(yield_per=READ_BATCH).execute(select(table).where(where)).mappings():
        out.write(json.dumps({"table": table.name, "row": dict(row)}, default=_as_text, ensure_ascii=False) + "\n")
        written += 1
    return written


def _as_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not archived")


def _rows(path: Path) -> Iterator[tuple[Table, dict]]:
    archived = {rule.key.table.name for rule in HISTORY} | {c.table.name for rule in HISTORY for c in rule.dependents}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _row(line, number, archived)
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise ArchiveError(f"{path}: not a gzip-compressed archive of envadmin ({e})") from None


def _row(line: str, number: int, archived: set[str]) -> tuple[Table, dict]:
    try:
        entry = json.loads(line)
        table = metadata.tables[entry["table"]] if entry["table"] in archived else None
        if table is None:
            raise ArchiveError(f"line {number}: table {entry['table']!r} is not one an archive holds "
                               f"({', '.join(sorted(archived))})")
        return table, {name: _typed(table, name, value) for name, value in entry["row"].items()}
    except (ValueError, KeyError, TypeError) as e:
        if isinstance(e, ArchiveError):
            raise
        raise ArchiveError(f"line {number}: not a row of an archive ({e})") from None


def _typed(table: Table, name: str, value: object) -> object:
    column = table.c[name]  # a column this store does not have: KeyError, said as the line's fault
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(str(value))
    if isinstance(column.type, Uuid):
        return UUID(str(value))
    return value


def _insert(conn: Connection, batch: list[tuple[Table, dict]], added: dict[str, int]) -> None:
    by_table: dict[Table, list[dict]] = {}
    for table, row in batch:
        by_table.setdefault(table, []).append(row)
    for table, rows in by_table.items():
        inserted = conn.execute(insert_for(conn, table).on_conflict_do_nothing()
                                .returning(*table.primary_key.columns), rows).all()
        added[table.name] = added.get(table.name, 0) + len(inserted)


def _advance_sequences(conn: Connection, added: dict[str, int]) -> None:
    """Rows restored with their serial keys: the sequences move past them, so the next row written gets a new one."""
    for name in added:
        table = metadata.tables[name]
        for column in table.primary_key.columns:
            if column.autoincrement is True:
                sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                        {"t": name, "c": column.name}).scalar()
                if sequence is not None:
                    highest = conn.execute(select(func.max(column))).scalar()
                    if highest is not None:
                        conn.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": highest})
