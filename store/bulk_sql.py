"""Set-based writes: many rows in one statement, instead of one statement per row.

On PostgreSQL new rows go in by binary COPY, which psycopg encodes in C; updates and upserts send each column
as one array that the statement reads with unnest(), so their SQL text is the same whatever the number of rows.
SQLite (the embedded store) takes an executemany.
"""
from __future__ import annotations

from functools import lru_cache

import psycopg
from pydantic import BaseModel
from sqlalchemy import JSON, Connection, Table, TypeDecorator, any_, insert, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import ColumnElement, bindparam

_PG = postgresql.dialect()
_WAS = "value_before"  # update_rows' only_if: the value a row must still hold
_LOW, _HIGH = "range_low", "range_high"  # update_rows' between


def insert_rows(conn: Connection, table: Table, rows: list[dict], on_conflict_update: tuple[str, ...] = (),
                ignoring_duplicates: bool = False) -> None:
    """Insert the rows; with `on_conflict_update` (the key columns), a clash updates the other columns; with
    `ignoring_duplicates`, a row whose key is in the table already is left out."""
    if not rows:
        return
    names = tuple(rows[0])
    if conn.dialect.name != "postgresql":
        from store.upsert import insert_ignoring_duplicates, sqlite_upsert  # only the embedded store needs them
        if on_conflict_update:
            sqlite_upsert(conn, table, rows, on_conflict_update)
        elif ignoring_duplicates:
            insert_ignoring_duplicates(conn, table, rows)
        else:
            conn.execute(insert(table), rows)
        return
    if on_conflict_update or ignoring_duplicates:
        conn.exec_driver_sql(_pg_insert(table, names, on_conflict_update), _columns(table, rows, names))
    else:
        _copy_rows(conn, table, names, _columns(table, rows, names))


def _copy_rows(conn: Connection, table: Table, names: tuple[str, ...], columns: dict[str, list]) -> None:
    """COPY … FROM STDIN in binary, in the connection's transaction. Its errors are raised as SQLAlchemy's, as
    those of any other statement are (an IntegrityError, an OperationalError), without the rows' values."""
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    if not conn.in_transaction():
        conn.begin()  # the driver's cursor would start one SQLAlchemy knows nothing of, and its commit would not end
    try:
        with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(_copy_types(table, names))
            for row in zip(*(columns[name] for name in names)):
                copy.write_row(row)
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error, hide_parameters=True,
                                  dialect=conn.dialect) from error


@lru_cache(maxsize=64)
def _copy_types(table: Table, names: tuple[str, ...]) -> tuple[str, ...]:
    """The PostgreSQL type of each column as binary COPY encodes it: a JSON column takes the command's JSON text
    (json's binary form is its text)."""
    return tuple("text" if isinstance(table.c[name].type, JSON)
                 else table.c[name].type.compile(dialect=_PG).split("(")[0].lower() for name in names)


def update_rows(conn: Connection, table: Table, key: str, rows: list[dict],
                only_if: tuple[str, str] | None = None, between: tuple[str, object, object] | None = None) -> int:
    """Set each row's other columns on the table's row whose `key` column equals the row's `key`; with
    `only_if` (a column and a value), only where that column still holds that value; with `between` (a column, its
    lowest and highest values), only rows in that range (of a partitioned table, only its partitions are read).
    The rows updated."""
    if not rows:
        return 0
    names = tuple(rows[0])
    if conn.dialect.name != "postgresql":
        statement = update(table).where(table.c[key] == bindparam(f"b_{key}"))
        if only_if is not None:
            statement = statement.where(table.c[only_if[0]] == only_if[1])
        if between is not None:
            statement = statement.where(table.c[between[0]].between(between[1], between[2]))
        return conn.execute(statement.values({n: bindparam(f"b_{n}") for n in names if n != key}),
                            [{f"b_{n}": row[n] for n in names} for row in rows]).rowcount
    parameters = _columns(table, rows, names)
    if only_if is not None:
        parameters[_WAS] = [only_if[1]] * len(rows)
    sql = _pg_update(table, key, names, only_if and only_if[0])
    if between is not None:
        column_type = table.c[between[0]].type
        low, high = (column_type.process_bind_param(value, _PG) if isinstance(column_type, TypeDecorator) else value
                     for value in between[1:])
        sql += f" AND t.{between[0]} BETWEEN %({_LOW})s AND %({_HIGH})s"
        parameters |= {_LOW: low, _HIGH: high}
    return conn.exec_driver_sql(sql, parameters).rowcount


def payload_of(model: BaseModel, conn: Connection) -> dict | str:
    """A command as the JSON column takes it: text for the PostgreSQL arrays, a dict otherwise."""
    return model.model_dump_json() if conn.dialect.name == "postgresql" else model.model_dump(mode="json")


def among(conn: Connection, column: ColumnElement, values) -> ColumnElement:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter whatever the number of
    values, so the statement is compiled, parsed and planned once instead of once per list length."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type), unique=True))
    return column.in_(values)


def plan_as_key_lookups(conn: Connection) -> None:
    """Until the transaction ends, PostgreSQL looks rows up through an index rather than scan a table, for
    transactions whose reads are all by key.

    A table a job fills has no statistics until autovacuum analyzes it (a minute at least). PostgreSQL then
    guessed its rows wide and few and scanned all of it for 500 keys, so each chunk of the job read more rows
    than the one before: 7.9 ms a read of users at 40,000 users, against 0.9 ms through the primary key."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")


def _columns(table: Table, rows: list[dict], names: tuple[str, ...]) -> dict[str, list]:
    columns = {name: [row[name] for row in rows] for name in names}
    for name in names:
        column_type = table.c[name].type
        if isinstance(column_type, TypeDecorator):  # its checks, which a driver-level statement would skip
            columns[name] = [column_type.process_bind_param(value, _PG) for value in columns[name]]
    return columns


@lru_cache(maxsize=64)
def _pg_insert(table: Table, names: tuple[str, ...], conflict: tuple[str, ...]) -> str:
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"SELECT * FROM unnest({_arrays(table, names)})")
    if conflict:
        changes = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n not in conflict)
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {changes}"
    else:  # insert_rows(ignoring_duplicates=True)
        sql += " ON CONFLICT DO NOTHING"
    return sql


@lru_cache(maxsize=64)
def _pg_update(table: Table, key: str, names: tuple[str, ...], only_if: str | None) -> str:
    changes = ", ".join(f"{n} = v.{n}" for n in names if n != key)
    if only_if is None:
        return (f"UPDATE {table.name} AS t SET {changes} FROM unnest({_arrays(table, names)}) "
                f"AS v({', '.join(names)}) WHERE t.{key} = v.{key}")
    # The value it must still hold travels as a column too: compared with a constant, PostgreSQL read every row
    # holding that value (an index on it) instead of each row by its key.
    was = f"%({_WAS})b::{table.c[only_if].type.compile(dialect=_PG)}[]"
    return (f"UPDATE {table.name} AS t SET {changes} FROM unnest({_arrays(table, names)}, {was}) "
            f"AS v({', '.join(names)}, {_WAS}) WHERE t.{key} = v.{key} AND t.{only_if} = v.{_WAS}")


def _arrays(table: Table, names: tuple[str, ...]) -> str:
    return ", ".join(f"%({n})b::{table.c[n].type.compile(dialect=_PG)}[]" for n in names)  # binary: no quoting
