"""Commands by type and final status, and their submit-to-final latency: what /metrics counts, read from the
commands table at scrape time, whichever process or host applied them.

A scrape must not read the whole table (millions of rows, every 15 s). What finished long enough ago is folded,
once, into command_tallies (a row per type, final status and latency bucket); a scrape reads those rows and,
through the index on finished_at, only the commands finished since. "Long enough": a finish time is stamped
before its transaction commits, at most a task's hard time limit before (a worker past it is killed and its
transaction rolled back), so once `lag` has passed every row stamped before then is visible and a fold misses
none. A scrape thus costs a few hundred tally rows plus the commands finished in the last `lag` (about 6 minutes
by default): nothing when idle, about 900,000 index entries at a sustained 2,500 commands/s, whatever the size of
the table. On a store with no tallies yet, the first scrape folds every finished command once.

A command counts once per final status it reaches, like a counter of events: a dead letter replayed and then
applied counts as failed and as applied. `pending` is not final (a pending grant ends applied, expired, failed or
superseded) and is not counted; nor is `queued`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, Float, Integer, case, cast, func, select

from domain.states import CommandStatus
from store.metrics.histograms import Histogram, cumulate, le_label
from store.tables import command_tallies, commands, tally_marks
from store.upsert import add_counts, insert_for

FINAL = (CommandStatus.APPLIED, CommandStatus.REJECTED, CommandStatus.SUPERSEDED, CommandStatus.FAILED,
         CommandStatus.EXPIRED)
LATENCY_BOUNDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86400, 604800, math.inf)
MARK = "commands"


@dataclass(frozen=True)
class Tallies:
    """Commands per (type, final status), and the latency histogram over all of them."""

    counts: dict[tuple[str, str], int]
    latency: Histogram


def read(engine: Engine, now: datetime, lag: timedelta) -> Tallies:
    """Fold what finished before `now - lag` if not yet done, then read the tallies and what finished since."""
    _fold(engine, now - lag)
    # One snapshot for the mark, the tallies and the rest: a fold committing meanwhile is seen whole or not at all.
    options = {"readonly": True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    with engine.connect().execution_options(**options) as conn:
        mark = conn.execute(select(tally_marks.c.folded_until).where(tally_marks.c.name == MARK)).scalar()
        rows = conn.execute(select(command_tallies)).all() + _aggregate(conn, after=mark, upto=None)
    counts: dict[tuple[str, str], int] = {}
    per_bucket: dict[str, int] = {}
    seconds = 0.0
    for row in rows:
        counts[(row.type, row.status)] = counts.get((row.type, row.status), 0) + int(row.commands)
        per_bucket[row.le] = per_bucket.get(row.le, 0) + int(row.commands)
        seconds += float(row.seconds or 0.0)
    return Tallies(counts, cumulate(LATENCY_BOUNDS, per_bucket, seconds))


def _fold(engine: Engine, cutoff: datetime) -> None:
    with engine.connect().execution_options(readonly=True) as conn:
        mark = conn.execute(select(tally_marks.c.folded_until).where(tally_marks.c.name == MARK)).scalar()
    if mark is not None and mark >= cutoff:
        return  # the common case between two folds: nothing written, no lock taken
    with engine.begin() as conn:
        conn.execute(insert_for(conn, tally_marks).values(name=MARK, folded_until=None)
                     .on_conflict_do_nothing(index_elements=["name"]))
        # Locked: two scrapes at once fold in turn, and the second finds nothing left to fold.
        mark = conn.execute(select(tally_marks.c.folded_until).where(tally_marks.c.name == MARK)
                            .with_for_update()).scalar()
        if mark is not None and mark >= cutoff:
            return
        add_counts(conn, command_tallies, [row._asdict() for row in _aggregate(conn, mark, cutoff)],
                   key=("type", "status", "le"))
        conn.execute(tally_marks.update().where(tally_marks.c.name == MARK).values(folded_until=cutoff))


def _aggregate(conn: Connection, after: datetime | None, upto: datetime | None) -> list:
    """Commands in a final status finished in (after, upto]: count and latency sum per type, status and bucket."""
    seconds = _latency_seconds(conn.dialect.name)
    finished = (select(commands.c.type, commands.c.status, seconds.label("seconds"),
                       case(*[(seconds <= bound, le_label(bound)) for bound in LATENCY_BOUNDS[:-1]],
                            else_="+Inf").label("le"))
                .where(commands.c.finished_at.is_not(None), commands.c.status.in_(FINAL)))
    if after is not None:
        finished = finished.where(commands.c.finished_at > after)
    if upto is not None:
        finished = finished.where(commands.c.finished_at <= upto)
    each = finished.subquery()
    return conn.execute(select(each.c.type, each.c.status, each.c.le, func.count().label("commands"),
                               func.coalesce(func.sum(each.c.seconds), 0.0).label("seconds"))
                        .group_by(each.c.type, each.c.status, each.c.le)).all()


def _latency_seconds(dialect: str):
    """finished_at - submitted_at in seconds, never below 0 (hosts' clocks may differ a little)."""
    finished, submitted = commands.c.finished_at, commands.c.submitted_at
    if dialect == "postgresql":
        raw = cast(func.extract("epoch", finished - submitted), Float)
    else:
        # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds from strftime, then the microseconds from the
        # text (julianday() would round to milliseconds, and a latency to the wrong side of a bucket's bound).
        raw = (cast(func.strftime("%s", finished), Integer) - cast(func.strftime("%s", submitted), Integer)
               + (cast(func.substr(finished, 20), Float) - cast(func.substr(submitted, 20), Float)))
    return case((raw < 0, 0.0), else_=raw)
