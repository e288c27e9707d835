"""Requests taken from the broker's request queue: each one journalled is written with its commands, in their
transaction, so that the broker delivering it again (the intake stopped before acknowledging it) finds it by its
key and message_id instead of journalling it twice; and each of its commands keeps where its answers go.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Engine, delete, insert, select, update

from store.bulk_sql import insert_rows
from store.tables import broker_reply_routes, broker_requests


@dataclass(frozen=True)
class BrokerRequest:
    """A request as the intake received it: who sent it (the key's name), its message id, a digest of its body
    and where to answer."""

    owner: str
    message_id: str | None
    fingerprint: str
    reply_to: str
    correlation_id: str | None


@dataclass(frozen=True)
class Journalled:
    """A request found again: the digest of its body, its commands in order, whether they went to the broker."""

    fingerprint: str
    command_ids: list[UUID]
    published: bool


@dataclass(frozen=True)
class ReplyRoute:
    """Where a command's outcomes are answered: a queue and the correlation id its request came with."""

    reply_to: str
    correlation_id: str | None


def record_request(conn: Connection, request: BrokerRequest, command_ids: list[UUID], now: datetime) -> int:
    """Write the request and the reply route of each of its commands, in the caller's transaction; its id.
    IntegrityError if a request of the same key with the same message id is written already."""
    request_id = conn.execute(insert(broker_requests).values(
        owner=request.owner, message_id=request.message_id, fingerprint=request.fingerprint,
        reply_to=request.reply_to, correlation_id=request.correlation_id, received_at=now)
        .returning(broker_requests.c.id)).scalar_one()
    insert_rows(conn, broker_reply_routes, [
        {"command_id": command_id, "request_id": request_id, "position": position}
        for position, command_id in enumerate(command_ids)])
    return request_id


def mark_published(engine: Engine, request_id: int) -> None:
    """The request's commands went to the broker: a request found again says so."""
    with engine.begin() as conn:
        conn.execute(update(broker_requests).where(broker_requests.c.id == request_id).values(published=True))


def find_request(engine: Engine, owner: str, message_id: str) -> Journalled | None:
    """The request of this key with this message id, if one was journalled."""
    with engine.connect() as conn:
        request = conn.execute(select(broker_requests.c.id, broker_requests.c.fingerprint,
                                      broker_requests.c.published)
                               .where(broker_requests.c.owner == owner,
                                      broker_requests.c.message_id == message_id)).first()
        if request is None:
            return None
        ids = conn.execute(select(broker_reply_routes.c.command_id)
                           .where(broker_reply_routes.c.request_id == request.id)
                           .order_by(broker_reply_routes.c.position)).scalars().all()
    return Journalled(request.fingerprint, list(ids), request.published)


def reply_route(conn: Connection, command_id: UUID) -> ReplyRoute | None:
    """Where the command's outcomes go, if a broker request journalled it."""
    row = conn.execute(select(broker_requests.c.reply_to, broker_requests.c.correlation_id)
                       .select_from(broker_reply_routes.join(broker_requests))
                       .where(broker_reply_routes.c.command_id == command_id)).first()
    return None if row is None else ReplyRoute(row.reply_to, row.correlation_id)


def prune_requests(conn: Connection, received_before: datetime) -> int:
    """Forget the requests received before the cutoff, and their reply routes; how many. The caller commits."""
    old = select(broker_requests.c.id).where(broker_requests.c.received_at < received_before)
    conn.execute(delete(broker_reply_routes).where(broker_reply_routes.c.request_id.in_(old)))
    return conn.execute(delete(broker_requests).where(broker_requests.c.received_at < received_before)).rowcount
