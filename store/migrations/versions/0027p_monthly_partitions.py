"""commands and audit_log, on PostgreSQL, partitioned by month: commands by issued_at, the audit trail by at, each
with a partition per calendar month (UTC) named like commands_2026_12 and a DEFAULT partition for rows of a month
without one; their primary keys take the partition key, (id, issued_at) and (id, at). The prune then drops a month
whose every row may go instead of deleting its rows, and a statement that bounds issued_at reads only the months it
names. SQLite keeps both tables as they are.

The tables are rebuilt in place, in the migration's transaction: renamed, a partitioned table made in their place
with a partition for each month their rows fall in and for the current and the next two months, the rows copied,
the keys and indexes built on the copy, the old tables dropped. Both tables are locked meanwhile: on a large store,
run it while the workers are stopped.

Revision ID: 0027p
Revises: 0026t
Create Date: 2026-12-07 22:00:00
"""
from alembic import op

revision = '0027p'
down_revision = '0026t'
branch_labels = None
depends_on = None

AHEAD = 2  # months created after the current one (beat's prune retention keeps them ahead from then on)
_COMMANDS_INDEXES = (
    "CREATE INDEX ix_commands_queued_last_sent ON commands (coalesce(published_at, submitted_at)) "
    "WHERE status = 'queued'",
    "CREATE INDEX ix_commands_job_id_status ON commands (job_id, status)",
    "CREATE INDEX ix_commands_finished_at ON commands (finished_at)",
    "CREATE INDEX ix_commands_api_key_id ON commands (api_key_id, submitted_at, id) WHERE api_key_id IS NOT NULL",
    "CREATE INDEX ix_commands_job_prerequisites ON commands (job_id, job_line) "
    "WHERE type IN ('create_account', 'add_user') AND status = 'queued' AND job_id IS NOT NULL",
)
_AUDIT_INDEXES = ("CREATE INDEX ix_audit_log_account_at ON audit_log (account, at)",)
# table: (partition key, indexes, storage parameters of each partition)
_TABLES = {
    "commands": ("issued_at", _COMMANDS_INDEXES, " WITH (fillfactor = 50)"),
    "audit_log": ("at", _AUDIT_INDEXES, ""),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER SEQUENCE audit_log_id_seq OWNED BY NONE")  # it outlives the table it numbered
    for table, (key, indexes, storage) in _TABLES.items():
        old = f"{table}_unpartitioned"
        _set_aside(table, old, indexes)
        op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS) PARTITION BY RANGE ({key})")
        for month in _months(old, key):
            year, number = int(month[:4]), int(month[5:7])
            after = f"{year + number // 12:04d}-{number % 12 + 1:02d}"
            op.execute(f"CREATE TABLE {table}_{year:04d}_{number:02d} PARTITION OF {table} FOR VALUES "
                       f"FROM ('{month}-01 00:00+00') TO ('{after}-01 00:00+00'){storage}")
        op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT{storage}")
        op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id, {key})")
        for index in indexes:
            op.execute(index)
        op.execute(f"DROP TABLE {old}")
        op.execute(f"ANALYZE {table}")
    op.execute("ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER SEQUENCE audit_log_id_seq OWNED BY NONE")
    for table, (_key, indexes, storage) in _TABLES.items():
        old = f"{table}_partitioned"
        _set_aside(table, old, indexes)
        op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS){storage}")
        op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id)")
        for index in indexes:
            op.execute(index)
        op.execute(f"DROP TABLE {old}")  # its partitions with it
    op.execute("ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id")


def _set_aside(table: str, old: str, indexes: tuple[str, ...]) -> None:
    """The table renamed, its key and indexes dropped: their names are the new table's."""
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    op.execute(f"ALTER TABLE {old} DROP CONSTRAINT pk_{table}")
    for index in indexes:
        op.execute(f"DROP INDEX {index.split()[2]}")


def _months(table: str, key: str) -> list[str]:
    """Each month (YYYY-MM, UTC) a row of the table falls in, and the current and the next AHEAD months."""
    return list(op.get_bind().exec_driver_sql(
        f"SELECT DISTINCT to_char(date_trunc('month', {key} AT TIME ZONE 'UTC'), 'YYYY-MM') FROM {table} "
        f"UNION SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + n * interval '1 month', 'YYYY-MM') "
        f"FROM generate_series(0, {AHEAD}) AS n ORDER BY 1").scalars())
