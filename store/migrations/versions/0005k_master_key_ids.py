"""master key ids: which master key wrapped each envelope key and encrypted each mail body

Revision ID: 0005k
Revises: 0004
Create Date: 2026-11-30 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005k'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLES = ('envelopes', 'mail_outbox')


def upgrade() -> None:
    # Rows already there keep NULL: they were wrapped before key ids, and readers try each key they hold.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('key_id')
