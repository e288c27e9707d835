"""invites: an index on (account, created_at), to count an account's invites of the last hour; invite_refusals,
the invites refused by a limit, for /metrics

Revision ID: 0015m
Revises: 0013s
Create Date: 2026-12-06 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015m'
down_revision = '0013s'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_invites_account_created_at', 'invites', ['account', 'created_at'])
    op.create_table(
        'invite_refusals',
        sa.Column('limit_name', sa.String(length=16), nullable=False),
        sa.Column('refused', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('limit_name', name=op.f('pk_invite_refusals')),
    )


def downgrade() -> None:
    op.drop_table('invite_refusals')
    op.drop_index('ix_invites_account_created_at', table_name='invites')
