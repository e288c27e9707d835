"""pending_grants: an index on (account, status, email_key, group_key), to page an account's pending grants in
their order without reading every grant ever held

Revision ID: 0023p
Revises: 0022o
Create Date: 2026-12-07 04:30:00
"""
from alembic import op

revision = '0023p'
down_revision = '0022o'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_pending_grants_account_status', 'pending_grants',
                    ['account', 'status', 'email_key', 'group_key'])


def downgrade() -> None:
    op.drop_index('ix_pending_grants_account_status', table_name='pending_grants')
