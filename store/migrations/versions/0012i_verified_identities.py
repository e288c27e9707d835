"""users.verified: whether the person proved the mailbox (registered or activated from a mailed link)

Revision ID: 0012i
Revises: 0011f
Create Date: 2026-12-06 23:10:00

A user an administrator or a job created stays unverified until the person opens a mailed link; a grant in another
account does not reach an unverified user. Existing users count as verified when they registered from an invite
(no creating account) or have an accepted invite (they registered or activated with a mailed link).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012i'
down_revision = '0011f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('verified', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE users SET verified = true WHERE created_by_account IS NULL OR EXISTS ("
               "SELECT 1 FROM invites WHERE invites.email_key = users.email_key AND invites.status = 'accepted')")


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('verified')
