"""account_users: who is a user of which account, with the state the account's administrator gave them
(disabled_at) and the identity provider's id and user name of them (external_id, user_name); users.last_sign_in_at; the indexes of the directory's search by name. Filled from what made someone an account's user before: the account created
them, they are in one of its groups, or they registered from one of its invites.

Revision ID: 0024u
Revises: 0023p
Create Date: 2026-12-07 07:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024u'
down_revision = '0023p'
branch_labels = None
depends_on = None

EVERY_USER_OF_AN_ACCOUNT = """
INSERT INTO account_users (account, email_key, added_at)
SELECT account, email_key, min(added_at) FROM (
    SELECT u.created_by_account AS account, u.email_key, u.created_at AS added_at
      FROM users u JOIN accounts a ON a.number = u.created_by_account
    UNION ALL
    SELECT m.account, m.email_key, u.created_at
      FROM memberships m JOIN users u ON u.email_key = m.email_key
    UNION ALL
    SELECT i.account, u.email_key, coalesce(i.finished_at, i.created_at)
      FROM invites i JOIN users u ON u.email_key = i.email_key JOIN accounts a ON a.number = i.account
     WHERE i.status = 'accepted'
) AS made
GROUP BY account, email_key
"""


def upgrade() -> None:
    op.add_column('users', sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'account_users',
        sa.Column('account', sa.String(length=12), nullable=False),
        sa.Column('email_key', sa.String(length=254), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('external_id', sa.String(length=255), nullable=True),
        sa.Column('user_name', sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(['account'], ['accounts.number'], name=op.f('fk_account_users_account_accounts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['email_key'], ['users.email_key'], name=op.f('fk_account_users_email_key_users')),
        sa.PrimaryKeyConstraint('account', 'email_key', name=op.f('pk_account_users')),
    )
    op.create_index('ix_account_users_email_key', 'account_users', ['email_key'])
    op.create_index('ix_account_users_account_external_id', 'account_users', ['account', 'external_id'])
    op.create_index('ix_account_users_account_user_name', 'account_users', ['account', 'user_name'])
    op.create_index('ix_account_users_disabled', 'account_users', ['account', 'email_key'],
                    postgresql_where=sa.text('disabled_at IS NOT NULL'), sqlite_where=sa.text('disabled_at IS NOT NULL'))
    op.create_index('ix_users_awaiting_activation', 'users', ['email_key'],
                    postgresql_where=sa.text('password_hash IS NULL'), sqlite_where=sa.text('password_hash IS NULL'))
    op.create_index('ix_users_first_name_lower', 'users', [sa.text('lower(first_name)')])
    op.create_index('ix_users_last_name_lower', 'users', [sa.text('lower(last_name)')])
    op.execute(EVERY_USER_OF_AN_ACCOUNT)


def downgrade() -> None:
    op.drop_index('ix_users_last_name_lower', table_name='users')
    op.drop_index('ix_users_first_name_lower', table_name='users')
    op.drop_index('ix_users_awaiting_activation', table_name='users')
    op.drop_index('ix_account_users_account_user_name', table_name='account_users')
    op.drop_index('ix_account_users_account_external_id', table_name='account_users')
    op.drop_index('ix_account_users_email_key', table_name='account_users')
    op.drop_table('account_users')
    # Not a batch copy of users on SQLite: dropping the old table would break the rows that refer to it. SQLite
    # drops a plain column in place since 3.35.
    op.execute('ALTER TABLE users DROP COLUMN last_sign_in_at')
