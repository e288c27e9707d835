"""password_resets: single-use, short-lived links that let a person set a new password through their mailbox

Revision ID: 0016r
Revises: 0015m
Create Date: 2026-12-06 23:55:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016r'
down_revision = '0015m'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'password_resets',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('email_key', sa.String(length=254), nullable=False),
        sa.Column('client', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_password_resets')),
    )
    op.create_index('ix_password_resets_email_key_created_at', 'password_resets', ['email_key', 'created_at'])
    op.create_index('ix_password_resets_client_created_at', 'password_resets', ['client', 'created_at'])


def downgrade() -> None:
    op.drop_table('password_resets')
