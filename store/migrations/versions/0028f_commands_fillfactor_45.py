"""commands: fillfactor 45 on every partition, so that the claims of a page's rows all fit on that page (heap-only
updates) when the rows were written together by COPY.

Revision ID: 0028f
Revises: 0027u
Create Date: 2026-12-08 00:20:00

Pages already written keep their rows as they are; pages written from now on are filled to 45 %.
"""
from alembic import op
from sqlalchemy import text

revision = '0028f'
down_revision = '0027u'
branch_labels = None
depends_on = None


def _partitions() -> list[str]:
    return list(op.get_bind().execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'commands'::regclass ORDER BY c.relname")).scalars())


def _set(fillfactor: int) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for partition in _partitions():
        op.execute(f'ALTER TABLE "{partition}" SET (fillfactor = {fillfactor})')


def upgrade() -> None:
    _set(45)


def downgrade() -> None:
    _set(50)
