"""commands.reason_said and audit_log.detail_said: a command's reason and an audit entry's detail as stable codes
and their parameters ([[code, {name: value}], ...], domain.said), so that they are shown in each reader's
language; `reason` and `detail` keep their English text. Rows written before have none, and show their English.
outcome_events.reason_code: the stable code of the reason an outcome's callback and feed item carry.

Revision ID: 0026r
Revises: 0026l
Create Date: 2026-12-07 18:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026r'
down_revision = '0026l'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('commands', sa.Column('reason_said', sa.JSON(), nullable=True))
    op.add_column('audit_log', sa.Column('detail_said', sa.JSON(), nullable=True))
    op.add_column('outcome_events', sa.Column('reason_code', sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outcome_events') as batch:
        batch.drop_column('reason_code')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('detail_said')
    with op.batch_alter_table('commands') as batch:
        batch.drop_column('reason_said')
