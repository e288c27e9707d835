"""invites, pending grants, envelopes, mail outbox, login failures

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:09:31.210979
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('envelopes',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('invite_id', sa.Uuid(), nullable=False),
    sa.Column('recipient_key', sa.String(length=254), nullable=False),
    sa.Column('nonce', sa.LargeBinary(), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('key_nonce', sa.LargeBinary(), nullable=False),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_envelopes'))
    )
    op.create_table('invites',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account', sa.String(length=12), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invites')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invites_token_hash'))
    )
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.create_index('ix_invites_account_status', ['account', 'status'], unique=False)
        batch_op.create_index('ix_invites_email_key_status', ['email_key', 'status'], unique=False)

    op.create_table('login_failures',
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('email_key', name=op.f('pk_login_failures'))
    )
    op.create_table('mail_outbox',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('invite_id', sa.Uuid(), nullable=True),
    sa.Column('to_email', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_nonce', sa.LargeBinary(), nullable=False),
    sa.Column('body_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_status', ['status'], unique=False)

    op.create_table('pending_grants',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('invite_id', sa.Uuid(), nullable=False),
    sa.Column('account', sa.String(length=12), nullable=False),
    sa.Column('group_key', sa.String(length=200), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('command_id', sa.Uuid(), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invite_id'], ['invites.id'], name=op.f('fk_pending_grants_invite_id_invites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_grants'))
    )
    with op.batch_alter_table('pending_grants', schema=None) as batch_op:
        batch_op.create_index('ix_pending_grants_email_key_status', ['email_key', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pending_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_pending_grants_email_key_status')

    op.drop_table('pending_grants')
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_status')

    op.drop_table('mail_outbox')
    op.drop_table('login_failures')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_index('ix_invites_email_key_status')
        batch_op.drop_index('ix_invites_account_status')

    op.drop_table('invites')
    op.drop_table('envelopes')
