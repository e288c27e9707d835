"""users.time_zone: the IANA time zone a person chose for the times their pages and mails write, none until they
choose (their times are in UTC then); dead_letters.reason_said: a dead letter's reason as codes and parameters
(domain.said), so the ops dashboard shows it in its reader's language; none for the dead letters written before,
whose English reason is shown as it is.

Revision ID: 0026t
Revises: 0026f
Create Date: 2026-12-07 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026t'
down_revision = '0026f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), nullable=True))
    op.add_column('dead_letters', sa.Column('reason_said', sa.JSON(), nullable=True))


def downgrade() -> None:
    # Not a batch copy on SQLite: dropping the old tables would break the rows that refer to them. SQLite drops a
    # plain column in place since 3.35.
    op.execute('ALTER TABLE dead_letters DROP COLUMN reason_said')
    op.execute('ALTER TABLE users DROP COLUMN time_zone')
