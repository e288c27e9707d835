"""groups.id: a group's identifier that does not change when the group is renamed (its name key does), which SCIM
gives identity providers as the Group's id; groups.external_id: the identity provider's id of the group;
groups.created_at, for a group made before: its account's creation (the earliest it can have been made). The
index of account_users' user names is on their lower case: SCIM's userName is not case-exact.
account_users.display_name: the identity provider's display name of the person (SCIM's displayName).

Revision ID: 0025g
Revises: 0024u
Create Date: 2026-12-07 15:10:00
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = '0025g'
down_revision = '0024u'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('groups', sa.Column('id', sa.Uuid(), nullable=True))
    op.add_column('groups', sa.Column('external_id', sa.String(length=255), nullable=True))
    op.add_column('groups', sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE groups SET created_at = (SELECT created_at FROM accounts WHERE number = groups.account)")
    groups = sa.table('groups', sa.column('account', sa.String), sa.column('name_key', sa.String),
                      sa.column('id', sa.Uuid))
    connection = op.get_bind()
    for account, name_key in connection.execute(sa.select(groups.c.account, groups.c.name_key)).all():
        connection.execute(sa.update(groups).where(groups.c.account == account, groups.c.name_key == name_key)
                           .values(id=uuid.uuid4()))
    with op.batch_alter_table('groups') as batch:
        batch.alter_column('id', existing_type=sa.Uuid(), nullable=False)
        batch.alter_column('created_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_index('ix_groups_id', 'groups', ['id'], unique=True)
    op.drop_index('ix_account_users_account_user_name', table_name='account_users')
    op.create_index('ix_account_users_account_user_name', 'account_users', ['account', sa.text('lower(user_name)')])
    op.add_column('account_users', sa.Column('display_name', sa.String(length=200), nullable=True))


def downgrade() -> None:
    # The index on an expression first: SQLite's batch mode, which copies the table, cannot copy it
    op.drop_index('ix_account_users_account_user_name', table_name='account_users')
    with op.batch_alter_table('account_users') as batch:
        batch.drop_column('display_name')
    op.create_index('ix_account_users_account_user_name', 'account_users', ['account', 'user_name'])
    op.drop_index('ix_groups_id', table_name='groups')
    with op.batch_alter_table('groups') as batch:
        batch.drop_column('created_at')
        batch.drop_column('external_id')
        batch.drop_column('id')
