"""web sessions kept in the store, the cookie holding only a random id

Revision ID: 0013s
Revises: 0012i
Create Date: 2026-12-06 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013s'
down_revision = '0012i'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id_hash', name='pk_web_sessions')
    )
    op.create_index('ix_web_sessions_email_key', 'web_sessions', ['email_key'])


def downgrade() -> None:
    op.drop_index('ix_web_sessions_email_key', table_name='web_sessions')
    op.drop_table('web_sessions')
