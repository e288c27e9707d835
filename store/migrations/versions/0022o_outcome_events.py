"""outcome_events and webhook_deliveries: each API key's commands' outcomes, as a feed and as an outbox of
deliveries; commands.api_key_id, the key that submitted a command; api_keys.callback_stopped_at

Revision ID: 0022o
Revises: 0021r
Create Date: 2026-12-07 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022o'
down_revision = '0021r'
branch_labels = None
depends_on = None

_KEYED = "api_key_id IS NOT NULL"
_DUE = "state IN ('waiting', 'failing')"


def upgrade() -> None:
    op.add_column('commands', sa.Column('api_key_id', sa.String(length=12), nullable=True))
    op.create_index('ix_commands_api_key_id', 'commands', ['api_key_id', 'submitted_at', 'id'], unique=False,
                    postgresql_where=sa.text(_KEYED), sqlite_where=sa.text(_KEYED))
    op.add_column('api_keys', sa.Column('callback_stopped_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'outcome_events',
        sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('event_id', sa.Uuid(), nullable=False),
        sa.Column('command_id', sa.Uuid(), nullable=False),
        sa.Column('api_key_id', sa.String(length=12), nullable=False),
        sa.Column('account', sa.String(length=12), nullable=False),
        sa.Column('command_type', sa.String(length=40), nullable=False),
        sa.Column('type', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_outcome_events')),
        sa.UniqueConstraint('event_id', name=op.f('uq_outcome_events_event_id')),
    )
    op.create_index('ix_outcome_events_api_key_id_seq', 'outcome_events', ['api_key_id', 'seq'], unique=False)
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('event_seq', sa.BigInteger(), nullable=False),
        sa.Column('api_key_id', sa.String(length=12), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('target', sa.Text(), nullable=False),
        sa.Column('correlation_id', sa.String(length=255), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_status', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['event_seq'], ['outcome_events.seq'],
                                name=op.f('fk_webhook_deliveries_event_seq_outcome_events')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    )
    op.create_index('ix_webhook_deliveries_next_attempt_at', 'webhook_deliveries', ['next_attempt_at'],
                    unique=False, postgresql_where=sa.text(_DUE), sqlite_where=sa.text(_DUE))
    op.create_index('ix_webhook_deliveries_api_key_id_state', 'webhook_deliveries', ['api_key_id', 'state'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_webhook_deliveries_api_key_id_state', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_next_attempt_at', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_index('ix_outcome_events_api_key_id_seq', table_name='outcome_events')
    op.drop_table('outcome_events')
    op.drop_column('api_keys', 'callback_stopped_at')
    op.drop_index('ix_commands_api_key_id', table_name='commands')
    op.drop_column('commands', 'api_key_id')
