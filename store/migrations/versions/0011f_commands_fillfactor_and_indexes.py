"""commands: fillfactor 50, so that a worker's claim of a command is a heap-only update; no index on
correlation_id, which no query reads by (each row version paid an entry in it)

Revision ID: 0011f
Revises: 0010m
Create Date: 2026-12-03 16:00:00

Rows already written keep their pages as they are; pages written from now on are half filled.
"""
from alembic import op

revision = '0011f'
down_revision = '0010m'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_commands_correlation_id', table_name='commands')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE commands SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE commands RESET (fillfactor)")
    op.create_index('ix_commands_correlation_id', 'commands', ['correlation_id'])
