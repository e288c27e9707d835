"""accounts.language: the language the account's mails are written in when their reader's is not known, English for
the accounts made before; users.language: the language a person chose for themselves (the pages' switch, or the page
they registered on), none until they choose.

Revision ID: 0026l
Revises: 0025g
Create Date: 2026-12-07 18:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026l'
down_revision = '0025g'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('language', sa.String(length=8), nullable=False, server_default='en'))
    op.add_column('users', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    # Not a batch copy on SQLite: dropping the old tables would break the rows that refer to them. SQLite drops a
    # plain column in place since 3.35.
    op.execute('ALTER TABLE users DROP COLUMN language')
    op.execute('ALTER TABLE accounts DROP COLUMN language')
