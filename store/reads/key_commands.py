"""The commands an API key submitted, newest first, a keyset page at a time (store.reads.keyset), in the order
ix_commands_api_key_id gives: (submitted_at, id) within the key."""
from __future__ import annotations

from sqlalchemy import Engine, select

from domain.commands import API_SOURCE
from store.reads.keyset import KeysetPage, SortKey, beyond, page_of
from store.tables import commands


def key_commands_page(engine: Engine, api_key_id: str | None, after: SortKey | None,
                      size: int) -> KeysetPage[dict]:
    """The key's commands as GET /v1/commands/{id} tells each; the sort key is (submitted_at, id). `api_key_id`
    None: the commands the shared ENVADMIN_API_TOKEN submitted, which no key did."""
    order = [commands.c.submitted_at, commands.c.id]
    mine = commands.c.api_key_id == api_key_id if api_key_id is not None else \
        (commands.c.api_key_id.is_(None)) & (commands.c.source == API_SOURCE)
    query = (select(commands.c.id, commands.c.type, commands.c.account, commands.c.status, commands.c.reason,
                    commands.c.reason_said, commands.c.attempts, commands.c.issued_at, commands.c.finished_at, commands.c.correlation_id,
                    commands.c.submitted_at)
             .where(mine).order_by(*(column.desc() for column in order)).limit(size + 1))
    if after is not None:
        query = query.where(beyond(order, after, descending=True))
    with engine.connect().execution_options(readonly=True) as conn:
        rows = conn.execute(query).all()
    found = [{"id": row.id, "type": row.type, "account": row.account, "status": row.status, "reason": row.reason,
              "reason_said": row.reason_said, "attempts": row.attempts, "issued_at": row.issued_at, "finished_at": row.finished_at,
              "correlation_id": row.correlation_id, "submitted_at": row.submitted_at} for row in rows]
    return page_of(found, size, lambda command: (command["submitted_at"], command["id"]))
