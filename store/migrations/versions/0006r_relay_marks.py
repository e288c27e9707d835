"""relay: republish only what is lost; the queued rows it scans indexed; deferrals counted

Revision ID: 0006r
Revises: 0005k
Create Date: 2026-11-30 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006r'
down_revision = '0005k'
branch_labels = None
depends_on = None

LAST_SENT = sa.text("coalesce(published_at, submitted_at)")
QUEUED = sa.text("status = 'queued'")


def upgrade() -> None:
    with op.batch_alter_table('commands', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deferrals', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_index('ix_commands_status_published_at')
    op.create_index('ix_commands_queued_last_sent', 'commands', [LAST_SENT], unique=False,
                    postgresql_where=QUEUED, sqlite_where=QUEUED)
    op.create_table(
        'relay_marks',
        sa.Column('queue', sa.String(length=200), nullable=False),
        sa.Column('started_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('republished', sa.BigInteger(), nullable=False, server_default='0'),
        sa.PrimaryKeyConstraint('queue', name=op.f('pk_relay_marks')),
    )


def downgrade() -> None:
    op.drop_table('relay_marks')
    op.drop_index('ix_commands_queued_last_sent', table_name='commands')
    with op.batch_alter_table('commands', schema=None) as batch_op:
        batch_op.create_index('ix_commands_status_published_at', ['status', 'published_at'], unique=False)
        batch_op.drop_column('deferrals')
