"""audit_log.source holds up to 16 characters: "registration", the source of what the system did on a registration

Revision ID: 0017a
Revises: 0016r
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017a'
down_revision = '0016r'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite keeps any length in a VARCHAR: only PostgreSQL checks it (a longer varchar rewrites no row there).
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('audit_log', 'source', type_=sa.String(length=16), existing_type=sa.String(length=8),
                        existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE audit_log SET source = left(source, 8)")
        op.alter_column('audit_log', 'source', type_=sa.String(length=8), existing_type=sa.String(length=16),
                        existing_nullable=False)
