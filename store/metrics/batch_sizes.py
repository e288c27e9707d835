"""How many commands each message carried: /metrics' envadmin_batch_size histogram, written by the workers.

Why in the store, and why this way:
- Not prometheus_client metrics in the worker's memory: the web process that Prometheus scrapes shares no memory
  with prefork children, nor with workers on other hosts (docker-compose.yml runs them in other containers), and a
  multiprocess folder would not be shared either. The store is what they all share already.
- Written by the worker that takes the message, in the one transaction it already opens per message (where it
  notes, for the relay, the newest message started): one more statement, no more commit. Grants run at more than
  2,500 commands/s in messages of 2,000 (ENVADMIN_PUBLISH_BATCH): about 2 such statements a second. A SCIM write,
  which the API server applies itself (producers/services/apply_here.py), counts as a message of its commands.
- One row per worker process (host and pid) and bucket, counts not cumulative: two workers never update the same
  row, so they never wait on each other's transaction; a scrape adds the rows up (a few hundred at most).
  A process that restarts on the same host may get a pid again, and with it a row: adding to it stays right,
  since at any time only one process holds a pid. The prune (store/retention.py) folds the rows into one set
  (`fold`), so they grow with the processes that wrote since, not with every process ever started.
- A message delivered again (its worker was lost mid-batch, or a transient error retried it) counts again: it was
  taken again.
"""
from __future__ import annotations

import math
import os
import socket

from sqlalchemy import Connection, delete, func, select

from store.metrics.histograms import Histogram, bucket_of, cumulate
from store.tables import batch_sizes
from store.upsert import add_counts

FOLDED = "(folded)"  # the writer of the counts of processes folded by the prune
BOUNDS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, math.inf)  # a message carries at most 5,000


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def record(conn: Connection, size: int, writer: str | None = None) -> None:
    """One message of `size` commands, taken by this process (or `writer`); in the caller's transaction."""
    add_counts(conn, batch_sizes, [{"writer": writer or this_process(), "le": bucket_of(size, BOUNDS),
                                    "messages": 1, "commands": size}], key=("writer", "le"))


def read(conn: Connection) -> Histogram:
    """Every process's counts, added up."""
    found = {le: (messages, commands) for le, messages, commands in conn.execute(
        select(batch_sizes.c.le, func.sum(batch_sizes.c.messages), func.sum(batch_sizes.c.commands))
        .group_by(batch_sizes.c.le))}
    return cumulate(BOUNDS, {le: int(messages) for le, (messages, _) in found.items()},
                    sum(float(commands) for _, commands in found.values()))



def fold(conn: Connection) -> int:
    """Every process's rows added into the rows of FOLDED, so the table holds a row per bucket for each process
    that wrote since, not one for every process ever started; how many rows went. The sums read stay the same: a
    process whose row went writes a new one at its next message. Its rows are locked first, so a count added
    meanwhile waits and lands after the fold."""
    locked = select(batch_sizes).where(batch_sizes.c.writer != FOLDED)
    rows = conn.execute(locked.with_for_update() if conn.dialect.name == "postgresql" else locked).all()
    if not rows:
        return 0
    for row in rows:
        conn.execute(delete(batch_sizes).where(batch_sizes.c.writer == row.writer, batch_sizes.c.le == row.le))
    totals: dict[str, list[int]] = {}
    for row in rows:
        total = totals.setdefault(row.le, [0, 0])
        total[0] += row.messages
        total[1] += row.commands
    add_counts(conn, batch_sizes, [{"writer": FOLDED, "le": le, "messages": messages, "commands": commands}
                                   for le, (messages, commands) in totals.items()], key=("writer", "le"))
    return len(rows)
