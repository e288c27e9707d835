"""What the relay knows of the broker: the send time of the newest message a worker has started, and how many
commands it sent again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, or_, select, update

from store.tables import relay_marks


def note_started(conn: Connection, queue: str, sent_at: datetime) -> None:
    """A worker started a message sent at `sent_at`: keep the newest such time (messages leave in order)."""
    moved = conn.execute(update(relay_marks).where(
        relay_marks.c.queue == queue,
        or_(relay_marks.c.started_sent_at.is_(None), relay_marks.c.started_sent_at < sent_at))
        .values(started_sent_at=sent_at)).rowcount
    if not moved and conn.execute(select(relay_marks.c.queue).where(relay_marks.c.queue == queue)).first() is None:
        conn.execute(insert(relay_marks).values(queue=queue, started_sent_at=sent_at, republished=0))


def started_sent_at(conn: Connection, queue: str) -> datetime | None:
    return conn.execute(select(relay_marks.c.started_sent_at).where(relay_marks.c.queue == queue)).scalar()


def count_republished(conn: Connection, queue: str, count: int) -> None:
    if not conn.execute(update(relay_marks).where(relay_marks.c.queue == queue)
                        .values(republished=relay_marks.c.republished + count)).rowcount:
        conn.execute(insert(relay_marks).values(queue=queue, started_sent_at=None, republished=count))


def republished(conn: Connection, queue: str) -> int:
    """Commands the relay has sent again on this queue, since the store was made."""
    return conn.execute(select(relay_marks.c.republished).where(relay_marks.c.queue == queue)).scalar() or 0
