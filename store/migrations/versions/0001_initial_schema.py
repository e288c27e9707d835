"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 20:03:15.318629
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('number', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_accounts'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=254), nullable=False),
    sa.Column('account', sa.String(length=12), nullable=True),
    sa.Column('command_id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_account_at', ['account', 'at'], unique=False)

    op.create_table('commands',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('account', sa.String(length=12), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('correlation_id', sa.String(length=128), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commands'))
    )
    with op.batch_alter_table('commands', schema=None) as batch_op:
        batch_op.create_index('ix_commands_correlation_id', ['correlation_id'], unique=False)
        batch_op.create_index('ix_commands_status_published_at', ['status', 'published_at'], unique=False)

    op.create_table('dead_letters',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('command_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dead_letters'))
    )
    op.create_table('membership_clocks',
    sa.Column('account', sa.String(length=12), nullable=False),
    sa.Column('group_key', sa.String(length=200), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('command_id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('account', 'group_key', 'email_key', name=op.f('pk_membership_clocks'))
    )
    op.create_table('users',
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('first_name', sa.String(length=200), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=512), nullable=True),
    sa.Column('password_expired', sa.Boolean(), nullable=False),
    sa.Column('created_by_account', sa.String(length=12), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('email_key', name=op.f('pk_users'))
    )
    op.create_table('groups',
    sa.Column('account', sa.String(length=12), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['account'], ['accounts.number'], name=op.f('fk_groups_account_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account', 'name_key', name=op.f('pk_groups'))
    )
    op.create_table('memberships',
    sa.Column('account', sa.String(length=12), nullable=False),
    sa.Column('group_key', sa.String(length=200), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['account', 'group_key'], ['groups.account', 'groups.name_key'], name=op.f('fk_memberships_account_groups'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['email_key'], ['users.email_key'], name=op.f('fk_memberships_email_key_users')),
    sa.PrimaryKeyConstraint('account', 'group_key', 'email_key', name=op.f('pk_memberships'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index('ix_memberships_email_key', ['email_key'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_memberships_email_key')

    op.drop_table('memberships')
    op.drop_table('groups')
    op.drop_table('users')
    op.drop_table('membership_clocks')
    op.drop_table('dead_letters')
    with op.batch_alter_table('commands', schema=None) as batch_op:
        batch_op.drop_index('ix_commands_status_published_at')
        batch_op.drop_index('ix_commands_correlation_id')

    op.drop_table('commands')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_account_at')

    op.drop_table('audit_log')
    op.drop_table('accounts')
