"""job_invalid_rows.reason_said: why an onboarding row was invalid as stable codes and their parameters
([[code, {name: value}], ...], domain.said), so the job's page and `envadmin job errors` show it in each reader's
language; `reason` keeps its English text. A row's reason cannot be made again at read time (the file is not kept),
so it is stored when the row is read. Rows written before have none, and show their English.

Revision ID: 0026f
Revises: 0026r
Create Date: 2026-12-07 19:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026f'
down_revision = '0026r'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('job_invalid_rows', sa.Column('reason_said', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job_invalid_rows') as batch:
        batch.drop_column('reason_said')
