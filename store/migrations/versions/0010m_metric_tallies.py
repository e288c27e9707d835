"""/metrics: commands tallied by type, final status and latency bucket; batch sizes per worker process

Revision ID: 0010m
Revises: 0009o
Create Date: 2026-12-04 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010m'
down_revision = '0009o'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'command_tallies',
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('le', sa.String(length=16), nullable=False),
        sa.Column('commands', sa.BigInteger(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('type', 'status', 'le', name=op.f('pk_command_tallies')),
    )
    op.create_table(
        'tally_marks',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('folded_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_tally_marks')),
    )
    op.create_table(
        'batch_sizes',
        sa.Column('writer', sa.String(length=200), nullable=False),
        sa.Column('le', sa.String(length=16), nullable=False),
        sa.Column('messages', sa.BigInteger(), nullable=False),
        sa.Column('commands', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('writer', 'le', name=op.f('pk_batch_sizes')),
    )


def downgrade() -> None:
    op.drop_table('batch_sizes')
    op.drop_table('tally_marks')
    op.drop_table('command_tallies')
