"""commands: fillfactor 50, so that a worker's claim of a command is a heap-only update

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
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE commands SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE commands RESET (fillfactor)")
