"""api_keys: keys of the HTTP API, each scoped to accounts (acting as one person) or to support

Revision ID: 0018k
Revises: 0017a
Create Date: 2026-12-09 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018k'
down_revision = '0017a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_keys',
        sa.Column('id', sa.String(length=12), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('key_hash', sa.String(length=80), nullable=False),
        sa.Column('accounts', sa.JSON(), nullable=True),
        sa.Column('person', sa.String(length=254), nullable=False),
        sa.Column('callback_url', sa.Text(), nullable=True),
        sa.Column('webhook_nonce', sa.LargeBinary(), nullable=True),
        sa.Column('webhook_sealed', sa.LargeBinary(), nullable=True),
        sa.Column('webhook_key_id', sa.String(length=16), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('previous_hash', sa.String(length=80), nullable=True),
        sa.Column('previous_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
        sa.UniqueConstraint('name', name=op.f('uq_api_keys_name')),
    )


def downgrade() -> None:
    op.drop_table('api_keys')
