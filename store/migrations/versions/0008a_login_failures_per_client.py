"""login failures counted per (email, client address), and per email over every client (client '*')

Revision ID: 0005a
Revises: 0005t
Create Date: 2026-11-24 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005a'
down_revision = '0005t'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The primary key grows a column: a new table, the old rows kept as the every-client counts
    # (a lock under way keeps running).
    op.create_table('login_failures_new',
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('client', sa.String(length=128), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('email_key', 'client', name='pk_login_failures_new')
    )
    op.execute("INSERT INTO login_failures_new (email_key, client, failures, window_started_at, locked_until) "
               "SELECT email_key, '*', failures, window_started_at, locked_until FROM login_failures")
    op.drop_table('login_failures')
    op.rename_table('login_failures_new', 'login_failures')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE login_failures RENAME CONSTRAINT pk_login_failures_new TO pk_login_failures')


def downgrade() -> None:
    op.create_table('login_failures_old',
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('email_key', name='pk_login_failures_old')
    )
    op.execute("INSERT INTO login_failures_old (email_key, failures, window_started_at, locked_until) "
               "SELECT email_key, failures, window_started_at, locked_until FROM login_failures "
               "WHERE client = '*'")
    op.drop_table('login_failures')
    op.rename_table('login_failures_old', 'login_failures')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE login_failures RENAME CONSTRAINT pk_login_failures_old TO pk_login_failures')
