"""Outcome events in the store: written with the status they report, in its transaction, for the commands an API
key submitted; read back in order as the key's feed.

A command no key submitted (the CLI, the console, an onboarding job) has no events: the status writes of the command
log return the key (or a set-based chunk's one read by primary key finds it). When the key has a callback that has
not been stopped, the event's delivery is written to the outbox (store.webhook_deliveries) in the same transaction;
so is its reply when a broker request journalled the command (its request's reply_to and correlation_id).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Connection, Engine, insert, select, text

from domain.issued_span import IssuedSpan
from domain.outcomes import OutcomeEvent, event_type
from store.bulk_sql import among, insert_rows
from store.tables import api_keys, broker_reply_routes, broker_requests, commands, outcome_events, webhook_deliveries

WEBHOOK = "webhook"
REPLY = "reply"  # a message on the reply_to queue of the broker request that journalled the command


@dataclass(frozen=True)
class FeedPage:
    """Events after a position of the feed, and the position of the last one (None: none)."""

    events: list[OutcomeEvent]
    last_seq: int | None


def record_outcomes(conn: Connection, command_ids: list[UUID], now: datetime,
                    issued: IssuedSpan | None = None) -> list[int]:
    """An event for each of these commands that a key submitted, with the status and reason just written; a
    delivery for each whose key has a live callback or whose broker request waits for replies. The deliveries' ids.
    `issued`: the span of the commands' issue times, if known."""
    if not command_ids:
        return []
    rows = conn.execute(
        select(commands.c.id, commands.c.api_key_id, commands.c.account, commands.c.type, commands.c.status,
               commands.c.reason, commands.c.reason_said, api_keys.c.callback_url, api_keys.c.callback_stopped_at,
               broker_requests.c.reply_to, broker_requests.c.correlation_id)
        .join(api_keys, api_keys.c.id == commands.c.api_key_id)
        .outerjoin(broker_reply_routes, broker_reply_routes.c.command_id == commands.c.id)
        .outerjoin(broker_requests, broker_requests.c.id == broker_reply_routes.c.request_id)
        .where(among(conn, commands.c.id, command_ids), commands.c.api_key_id.is_not(None),
               *([] if issued is None else [commands.c.issued_at.between(issued.earliest, issued.latest)]))).all()
    if not rows:
        return []
    order = {command_id: position for position, command_id in enumerate(command_ids)}
    events = {uuid4(): row for row in sorted(rows, key=lambda row: order[row.id])}  # the feed in the given order
    insert_rows(conn, outcome_events, [
        {"event_id": event_id, "command_id": row.id, "api_key_id": row.api_key_id, "account": row.account,
         "command_type": row.type, "type": event_type(row.status), "status": row.status, "reason": row.reason,
         "reason_code": row.reason_said[0][0] if row.reason_said else None,
         "occurred_at": now} for event_id, row in events.items()])
    # (event, key, channel, target, correlation id) of each delivery to write
    deliveries = [(event_id, row.api_key_id, WEBHOOK, row.callback_url, None) for event_id, row in events.items()
                  if row.callback_url is not None and row.callback_stopped_at is None]
    deliveries += [(event_id, row.api_key_id, REPLY, row.reply_to, row.correlation_id)
                   for event_id, row in events.items() if row.reply_to is not None]
    if not deliveries:
        return []
    seqs = dict(conn.execute(select(outcome_events.c.event_id, outcome_events.c.seq).where(
        among(conn, outcome_events.c.event_id, list({d[0] for d in deliveries})))).all())
    return _write_deliveries(conn, [
        {"event_seq": seqs[event_id], "api_key_id": key_id, "channel": channel, "target": target,
         "correlation_id": correlation_id, "state": "waiting", "attempts": 0, "next_attempt_at": now,
         "created_at": now}
        for event_id, key_id, channel, target, correlation_id in deliveries])


def _write_deliveries(conn: Connection, rows: list[dict]) -> list[int]:
    """The deliveries written; their ids, for the sender to take them by key once the transaction commits."""
    if conn.dialect.name != "postgresql":
        return list(conn.execute(insert(webhook_deliveries).returning(webhook_deliveries.c.id), rows).scalars())
    ids = list(conn.execute(text("SELECT nextval(pg_get_serial_sequence('webhook_deliveries', 'id')) "
                                 "FROM generate_series(1, :n)"), {"n": len(rows)}).scalars())
    insert_rows(conn, webhook_deliveries, [{"id": delivery_id, **row} for delivery_id, row in zip(ids, rows)])
    return ids


def feed(engine: Engine, api_key_id: str | None, after: int | None, limit: int) -> FeedPage:
    """Up to `limit` events after position `after`, oldest first: the key's, or every key's for None (support)."""
    query = select(outcome_events).order_by(outcome_events.c.seq).limit(limit)
    if api_key_id is not None:
        query = query.where(outcome_events.c.api_key_id == api_key_id)
    if after is not None:
        query = query.where(outcome_events.c.seq > after)
    with engine.connect().execution_options(readonly=True) as conn:
        rows = conn.execute(query).all()
    return FeedPage([event_of(row) for row in rows], rows[-1].seq if rows else None)


def event_of(row) -> OutcomeEvent:
    """The event an outcome_events row holds."""
    return OutcomeEvent(row.event_id, row.command_id, row.account, row.command_type, row.status, row.reason,
                        row.occurred_at, row.reason_code)
