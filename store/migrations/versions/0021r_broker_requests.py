"""broker_requests, broker_reply_routes: requests taken from the broker's request queue, found again by their key
and message_id, and where each command they journalled is answered

Revision ID: 0021r
Revises: 0019i
Create Date: 2026-12-10 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021r'
down_revision = '0019i'
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'broker_requests',
        sa.Column('id', SERIAL, autoincrement=True, nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=True),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('reply_to', sa.String(length=255), nullable=False),
        sa.Column('correlation_id', sa.String(length=255), nullable=True),
        sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_requests')),
        sa.UniqueConstraint('owner', 'message_id', name=op.f('uq_broker_requests_owner_message_id')),
    )
    op.create_index('ix_broker_requests_received_at', 'broker_requests', ['received_at'])
    op.create_table(
        'broker_reply_routes',
        sa.Column('command_id', sa.Uuid(), nullable=False),
        sa.Column('request_id', SERIAL, nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['broker_requests.id'],
                                name=op.f('fk_broker_reply_routes_request_id_broker_requests'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('command_id', name=op.f('pk_broker_reply_routes')),
    )
    op.create_index('ix_broker_reply_routes_request_id', 'broker_reply_routes', ['request_id'])


def downgrade() -> None:
    op.drop_index('ix_broker_reply_routes_request_id', table_name='broker_reply_routes')
    op.drop_table('broker_reply_routes')
    op.drop_index('ix_broker_requests_received_at', table_name='broker_requests')
    op.drop_table('broker_requests')
