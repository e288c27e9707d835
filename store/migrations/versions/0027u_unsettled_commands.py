"""ix_commands_unsettled: a partial index on the commands that are pending or failed, the statuses a command may
leave again, so the ops dashboard and `envadmin status` count them as they are now without reading the journal
(the settled statuses come from the metrics' tallies).

Revision ID: 0027u
Revises: 0027p
Create Date: 2026-12-07 22:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0027u'
down_revision = '0027p'
branch_labels = None
depends_on = None

UNSETTLED_SQL = "status IN ('pending', 'failed')"


def upgrade() -> None:
    op.create_index('ix_commands_unsettled', 'commands', ['status'], postgresql_where=sa.text(UNSETTLED_SQL),
                    sqlite_where=sa.text(UNSETTLED_SQL))


def downgrade() -> None:
    op.drop_index('ix_commands_unsettled', table_name='commands')
