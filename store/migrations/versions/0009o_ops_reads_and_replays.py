"""the dashboard's reads of recent commands by finish time; who replayed a dead letter, and when

Revision ID: 0009o
Revises: 0005a
Create Date: 2026-12-03 13:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009o'
down_revision = '0005a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_commands_finished_at', 'commands', ['finished_at'])
    with op.batch_alter_table('dead_letters') as batch:
        batch.add_column(sa.Column('replayed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('replayed_by', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dead_letters') as batch:
        batch.drop_column('replayed_by')
        batch.drop_column('replayed_at')
    op.drop_index('ix_commands_finished_at', 'commands')
