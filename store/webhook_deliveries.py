"""The outbox of outcome deliveries: claimed when due, each marked sent, failing (tried again later) or given up;
counted by state for ops; listed and set waiting again for `envadmin api-key deliveries`.

A claim leases a delivery (its next attempt moved past the time its post may take) in a short transaction of its
own, locking the rows it takes and skipping those another sender holds; the post happens after the commit. A sender
that dies mid-post leaves the lease to run out, and the delivery is tried again: at least once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection, Engine, select, text, update

from domain.outcomes import OutcomeEvent
from domain.said import said
from store.api_keys import ApiKeyError, stop_callback
from store.bulk_sql import among
from store.metrics.delivery_states import delivery_counts
from store.outcome_events import event_of
from store.tables import DUE_DELIVERY_SQL, api_keys, outcome_events, webhook_deliveries

GONE = "the endpoint answered 410 Gone: its deliveries stopped"


@dataclass(frozen=True)
class Due:
    """A delivery to make now: its event, by which channel to where, for which key, and how many tries it had
    before."""

    id: int
    event: OutcomeEvent
    target: str
    api_key_id: str
    attempts: int
    channel: str = "webhook"
    correlation_id: str | None = None


@dataclass(frozen=True)
class DeliveryListing:
    """A delivery as `api-key deliveries` shows it."""

    event_id: UUID
    command_id: UUID
    type: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    target: str


def claim_due(conn: Connection, now: datetime, limit: int, lease: timedelta) -> list[Due]:
    """Up to `limit` deliveries due at `now`, oldest due first, leased until `now + lease`; the caller commits."""
    # The due rows are taken first, on the partial index alone, and only they are joined to their events: a join
    # before the limit makes PostgreSQL read and sort the whole backlog at every claim.
    ids = conn.execute(select(webhook_deliveries.c.id)
                       .where(text(DUE_DELIVERY_SQL),  # as the partial index says it
                              webhook_deliveries.c.next_attempt_at <= now)
                       .order_by(webhook_deliveries.c.next_attempt_at).limit(limit)
                       .with_for_update(skip_locked=True)).scalars().all()
    if not ids:
        return []
    conn.execute(update(webhook_deliveries).where(among(conn, webhook_deliveries.c.id, ids))
                 .values(next_attempt_at=now + lease))
    return _due(conn, ids)


def claim_listed(conn: Connection, ids: list[int], now: datetime, lease: timedelta) -> list[Due]:
    """Of these deliveries (the ones a transaction just wrote), those still due at `now`, leased until
    `now + lease`; the caller commits. Read by key: no scan of the due ones. A delivery another sender leased
    meanwhile, or sent, is left out."""
    # The state is tested as "neither sent nor given up", which the partial index of due deliveries does not say:
    # PostgreSQL then takes the rows by key, instead of walking that index over every due row (and every row
    # version left by the leases and sends) to find the listed ones.
    taken = conn.execute(update(webhook_deliveries)
                         .where(among(conn, webhook_deliveries.c.id, ids),
                                webhook_deliveries.c.state.not_in(("sent", "given_up")),
                                webhook_deliveries.c.next_attempt_at <= now)
                         .values(next_attempt_at=now + lease).returning(webhook_deliveries.c.id)).scalars().all()
    return _due(conn, list(taken)) if taken else []


def _due(conn: Connection, ids: list[int]) -> list[Due]:
    """These deliveries with their events, in the order they were written."""
    rows = conn.execute(
        select(webhook_deliveries.c.id, webhook_deliveries.c.target, webhook_deliveries.c.api_key_id,
               webhook_deliveries.c.attempts, webhook_deliveries.c.channel, webhook_deliveries.c.correlation_id,
               outcome_events.c.event_id, outcome_events.c.command_id, outcome_events.c.account,
               outcome_events.c.command_type, outcome_events.c.status, outcome_events.c.reason,
               outcome_events.c.occurred_at, outcome_events.c.reason_code)
        .join(outcome_events, outcome_events.c.seq == webhook_deliveries.c.event_seq)
        .where(among(conn, webhook_deliveries.c.id, ids)).order_by(webhook_deliveries.c.id)).all()
    return [Due(row.id, event_of(row), row.target, row.api_key_id, row.attempts, row.channel, row.correlation_id)
            for row in rows]


def mark_sent(conn: Connection, sent: dict[int, int | None], now: datetime) -> None:
    """These deliveries (by id, with the status each was answered) were made: one statement per status."""
    by_status: dict[int | None, list[int]] = {}
    for delivery_id, status in sent.items():
        by_status.setdefault(status, []).append(delivery_id)
    for status, ids in by_status.items():
        conn.execute(update(webhook_deliveries).where(among(conn, webhook_deliveries.c.id, ids)).values(
            state="sent", attempts=webhook_deliveries.c.attempts + 1, last_status=status, last_error=None,
            sent_at=now))


def mark_failed(conn: Connection, delivery_id: int, status: int | None, error: str,
                next_attempt_at: datetime | None, now: datetime) -> None:
    """A try that did not succeed: failing until `next_attempt_at`, or given up if None."""
    conn.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id).values(
        state="failing" if next_attempt_at is not None else "given_up", attempts=webhook_deliveries.c.attempts + 1,
        last_status=status, last_error=error[:2000], next_attempt_at=next_attempt_at or now))


def stop_endpoint(conn: Connection, due: Due, now: datetime) -> None:
    """The endpoint answered 410 Gone: this delivery and every other one not yet sent to it are given up, and the
    key's callback is stopped."""
    conn.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == due.id).values(
        attempts=webhook_deliveries.c.attempts + 1, last_status=410))
    conn.execute(update(webhook_deliveries).where(
        webhook_deliveries.c.api_key_id == due.api_key_id, webhook_deliveries.c.target == due.target,
        webhook_deliveries.c.state.in_(("waiting", "failing"))).values(state="given_up", last_error=GONE))
    stop_callback(conn, due.api_key_id, due.target, now)


def counts(engine: Engine) -> dict[str, int]:
    """How many deliveries are in each state, every state named."""
    with engine.connect().execution_options(readonly=True) as conn:
        return delivery_counts(conn)


def _key_id(conn: Connection, name: str) -> str:
    key_id = conn.execute(select(api_keys.c.id).where(api_keys.c.name == name)).scalar()
    if key_id is None:
        raise ApiKeyError(said("key.unknown", name=name))
    return key_id


def troubled(engine: Engine, name: str, limit: int = 500) -> list[DeliveryListing]:
    """The key's failing and given-up deliveries, oldest event first."""
    with engine.connect().execution_options(readonly=True) as conn:
        key_id = _key_id(conn, name)
        rows = conn.execute(
            select(webhook_deliveries, outcome_events.c.event_id, outcome_events.c.command_id, outcome_events.c.type)
            .join(outcome_events, outcome_events.c.seq == webhook_deliveries.c.event_seq)
            .where(webhook_deliveries.c.api_key_id == key_id,
                   webhook_deliveries.c.state.in_(("failing", "given_up")))
            .order_by(webhook_deliveries.c.event_seq).limit(limit)).all()
    return [DeliveryListing(row.event_id, row.command_id, row.type, row.state, row.attempts, row.last_status,
                            row.last_error, row.next_attempt_at if row.state == "failing" else None, row.target)
            for row in rows]


def redeliver(engine: Engine, name: str, now: datetime, event_id: UUID | None = None) -> int:
    """Set the key's failing and given-up deliveries (or only the one of `event_id`) waiting again, due now, with a
    fresh attempt budget; how many. A callback stopped by a 410 is resumed: its endpoint is taken to be back."""
    with engine.begin() as conn:
        key_id = _key_id(conn, name)
        conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(callback_stopped_at=None))
        query = update(webhook_deliveries).where(webhook_deliveries.c.api_key_id == key_id,
                                                 webhook_deliveries.c.state.in_(("failing", "given_up")))
        if event_id is not None:
            query = query.where(webhook_deliveries.c.event_seq == select(outcome_events.c.seq).where(
                outcome_events.c.event_id == event_id).scalar_subquery())
        return conn.execute(query.values(state="waiting", attempts=0, next_attempt_at=now)).rowcount
