"""What the relay knows of the broker: the send time of the newest message a worker has started, and how many
commands it sent again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, or_, select

from store.tables import relay_marks
from store.upsert import add_counts, insert_for


def note_started(conn: Connection, queue: str, sent_at: datetime) -> None:
    """A worker started a message sent at `sent_at`: keep the newest such time (messages leave in order).

    One statement: two workers starting the queue's first messages at once both find no row, and an update then
    an insert would make one of them fail on the other's row (and its message with it)."""
    statement = insert_for(conn, relay_marks).values(queue=queue, started_sent_at=sent_at, republished=0)
    conn.execute(statement.on_conflict_do_update(
        index_elements=[relay_marks.c.queue], set_={"started_sent_at": statement.excluded.started_sent_at},
        where=or_(relay_marks.c.started_sent_at.is_(None),
                  relay_marks.c.started_sent_at < statement.excluded.started_sent_at)))


def started_sent_at(conn: Connection, queue: str) -> datetime | None:
    return conn.execute(select(relay_marks.c.started_sent_at).where(relay_marks.c.queue == queue)).scalar()


def count_republished(conn: Connection, queue: str, count: int) -> None:
    add_counts(conn, relay_marks, [{"queue": queue, "republished": count}], key=("queue",))


def republished(conn: Connection, queue: str) -> int:
    """Commands the relay has sent again on this queue, since the store was made."""
    return conn.execute(select(relay_marks.c.republished).where(relay_marks.c.queue == queue)).scalar() or 0
