"""onboarding jobs: jobs, their invalid rows, the job of each command; no foreign key from pending grants

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

PREREQUISITES = "type IN ('create_account', 'add_user') AND status = 'queued' AND job_id IS NOT NULL"


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('file_digest', sa.String(length=64), nullable=False),
    sa.Column('file_format', sa.String(length=8), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('failure', sa.Text(), nullable=True),
    sa.Column('rows_expected', sa.Integer(), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_invalid', sa.Integer(), nullable=False),
    sa.Column('rows_submitted', sa.Integer(), nullable=False),
    sa.Column('last_line', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('producer_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_table('job_invalid_rows',
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_invalid_rows_job_id_jobs'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'line', name=op.f('pk_job_invalid_rows'))
    )
    with op.batch_alter_table('pending_grants', schema=None) as batch_op:
        batch_op.drop_constraint('fk_pending_grants_invite_id_invites', type_='foreignkey')
    with op.batch_alter_table('commands', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('job_line', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=254), nullable=True))
        batch_op.create_index('ix_commands_job_id_status', ['job_id', 'status'], unique=False)
        batch_op.create_index('ix_commands_job_prerequisites', ['job_id', 'job_line'], unique=False,
                              postgresql_where=sa.text(PREREQUISITES), sqlite_where=sa.text(PREREQUISITES))


def downgrade() -> None:
    with op.batch_alter_table('commands', schema=None) as batch_op:
        batch_op.drop_index('ix_commands_job_prerequisites')
        batch_op.drop_index('ix_commands_job_id_status')
        batch_op.drop_column('subject')
        batch_op.drop_column('job_line')
        batch_op.drop_column('job_id')
    with op.batch_alter_table('pending_grants', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_pending_grants_invite_id_invites', 'invites', ['invite_id'], ['id'])
    op.drop_table('job_invalid_rows')
    op.drop_table('jobs')
