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
    return record_requests(conn, [(request, command_ids)], now)[0]


def record_requests(conn: Connection, requests: list[tuple[BrokerRequest, list[UUID]]], now: datetime) -> list[int]:
    """Write each request and the reply routes of its commands, in the caller's transaction, in two statements
    whatever their number; their ids, in order. IntegrityError if one's key and message id are written already."""
    request_ids = conn.execute(
        insert(broker_requests).returning(broker_requests.c.id, sort_by_parameter_order=True),
        [{"owner": request.owner, "message_id": request.message_id, "fingerprint": request.fingerprint,
          "reply_to": request.reply_to, "correlation_id": request.correlation_id, "received_at": now}
         for request, _ids in requests]).scalars().all()
    insert_rows(conn, broker_reply_routes, [
        {"command_id": command_id, "request_id": request_id, "position": position}
        for request_id, (_request, command_ids) in zip(request_ids, requests)
        for position, command_id in enumerate(command_ids)])
    return list(request_ids)


def mark_published(engine: Engine, request_ids: list[int]) -> None:
    """The requests' commands went to the broker: a request found again says so."""
    with engine.begin() as conn:
        conn.execute(update(broker_requests).where(broker_requests.c.id.in_(request_ids)).values(published=True))


def find_request(engine: Engine, owner: str, message_id: str) -> Journalled | None:
    """The request of this key with this message id, if one was journalled."""
    return find_requests(engine, [(owner, message_id)]).get((owner, message_id))


def find_requests(engine: Engine, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Journalled]:
    """Of these (key name, message id) pairs, those of a request journalled, each with what it journalled."""
    if not keys:
        return {}
    wanted = set(keys)
    with engine.connect() as conn:
        requests = [row for row in conn.execute(
            select(broker_requests.c.id, broker_requests.c.owner, broker_requests.c.message_id,
                   broker_requests.c.fingerprint, broker_requests.c.published)
            .where(broker_requests.c.message_id.in_({message_id for _owner, message_id in wanted})))
            if (row.owner, row.message_id) in wanted]
        ids: dict[int, list[UUID]] = {row.id: [] for row in requests}
        if ids:
            for route in conn.execute(select(broker_reply_routes.c.request_id, broker_reply_routes.c.command_id)
                                      .where(broker_reply_routes.c.request_id.in_(list(ids)))
                                      .order_by(broker_reply_routes.c.request_id, broker_reply_routes.c.position)):
                ids[route.request_id].append(route.command_id)
    return {(row.owner, row.message_id): Journalled(row.fingerprint, ids[row.id], row.published) for row in requests}


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
