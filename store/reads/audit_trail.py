"""An account's audit trail as people read it: newest first, filtered by actor, action and time, a page at a time.

Pages are keyset pages, not offsets: a page starts after the entry the previous one ended with, by (at, id), so
entries written meanwhile at the top never shift a page, and the hundredth page costs what the first does (an
offset reads and drops every row before it). The cursor is an entry's id; its (at, id) is looked up.
The index ix_audit_log_account_at (account, at) gives the order; id only breaks ties between entries of one
command (SQLite's index holds the rowid, which is id; PostgreSQL sorts each tie group, a few rows).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Engine, and_, or_, select

from domain.model import email_key
from domain.said import in_language
from languages import reader
from store.tables import api_keys, audit_log, commands

PAGE_SIZE = 50
EXPORT_CHUNK = 1000  # entries read per short transaction while an export streams


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: by this actor (compared as emails are), this action, at or after this time; None: any."""

    actor: str | None = None
    action: str | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class TrailEntry:
    """One line of the trail."""

    id: int
    at: datetime
    actor: str
    source: str
    action: str
    target: str
    detail: str
    command_id: UUID
    api_key: str | None = None  # the name of the API key that submitted the command, if one did
    detail_said: list | None = None  # the detail's codes (store.said_json); None: an entry with none

    def in_language(self, language: str) -> TrailEntry:
        """The entry with its detail in `language` (its English one if it has no codes)."""
        return replace(self, detail=in_language(self.detail_said, self.detail, reader(language)) or "")

    @property
    def origin(self) -> str:
        """Where it came from, as people read it: the source, and the key of an API command."""
        return f"{self.source} (key {self.api_key})" if self.api_key else self.source

    def as_dict(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor, "source": self.source,
                "action": self.action, "target": self.target, "detail": self.detail,
                "command_id": str(self.command_id), "api_key": self.api_key}


@dataclass(frozen=True)
class AuditPage:
    """A page of entries, newest first, with the cursors of the pages beside it (None: there is none)."""

    entries: list[TrailEntry]
    newer: int | None  # show the page before this one with newer=<id>
    older: int | None  # show the next page with older=<id>


@dataclass(frozen=True)
class AuditChoices:
    """What the filters can choose from in this account: its actions, and its actors (one spelling each)."""

    actions: list[str]
    actors: list[str]


class UnknownCursor(ValueError):
    """Raised when a page cursor names no entry of the account."""


def _read(engine: Engine) -> Connection:
    return engine.connect().execution_options(readonly=True)


def audit_page(engine: Engine, account: str, wanted: AuditFilter = AuditFilter(), *, older: int | None = None,
               newer: int | None = None, after: tuple[datetime, int] | None = None,
               size: int = PAGE_SIZE) -> AuditPage:
    """The page of `size` entries after entry `older`, or after the position (at, id) `after` (or before entry
    `newer`; else the newest); UnknownCursor for an entry not in the account's trail."""
    with _read(engine) as conn:
        where = _conditions(conn, account, wanted)
        if newer is not None:
            rows = _rows(conn, where + [_newer_than(_position(conn, account, newer))], size + 1, newest_first=False)
            if len(rows) <= size:  # up to the top: the newest page, full, not a short one
                return audit_page(engine, account, wanted, size=size)
            rows = rows[:size][::-1]
            return AuditPage(rows, newer=rows[0].id, older=rows[-1].id)
        if older is not None:
            where.append(_older_than(_position(conn, account, older)))
        if after is not None:
            where.append(_older_than(after))
        rows = _rows(conn, where, size + 1, newest_first=True)
    entries = rows[:size]
    paged_on = older is not None or after is not None
    return AuditPage(entries, newer=entries[0].id if paged_on and entries else None,
                     older=entries[-1].id if len(rows) > size else None)


def each_entry(engine: Engine, account: str, wanted: AuditFilter = AuditFilter(),
               limit: int | None = None) -> Iterator[TrailEntry]:
    """Every matching entry, newest first (at most `limit`), read a chunk per short transaction: for exports."""
    cursor, given = None, 0
    while limit is None or given < limit:
        chunk = EXPORT_CHUNK if limit is None else min(EXPORT_CHUNK, limit - given)
        with _read(engine) as conn:
            where = _conditions(conn, account, wanted)
            if cursor is not None:
                where.append(_older_than(cursor))
            rows = _rows(conn, where, chunk, newest_first=True)
        yield from rows
        given += len(rows)
        if len(rows) < chunk:
            return
        cursor = (rows[-1].at, rows[-1].id)


def audit_choices(engine: Engine, account: str) -> AuditChoices:
    """The account's distinct actions, and its distinct actors (one spelling per email key), sorted."""
    with _read(engine) as conn:
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.account == account)
                               .distinct().order_by(audit_log.c.action)).scalars().all()
        spellings = _actors(conn, account)
    actors: dict[str, str] = {}
    for actor in spellings:
        actors.setdefault(email_key(actor), actor)
    return AuditChoices(list(actions), sorted(actors.values(), key=email_key))


def _actors(conn: Connection, account: str) -> list[str]:
    return conn.execute(select(audit_log.c.actor).where(audit_log.c.account == account)
                        .distinct().order_by(audit_log.c.actor)).scalars().all()


def _conditions(conn: Connection, account: str, wanted: AuditFilter) -> list:
    where = [audit_log.c.account == account]
    if wanted.actor is not None:
        # Actors are stored as they were typed (Alice@Example.com); the handlers compare emails by key.
        key = email_key(wanted.actor)
        where.append(audit_log.c.actor.in_([a for a in _actors(conn, account) if email_key(a) == key]))
    if wanted.action is not None:
        where.append(audit_log.c.action == wanted.action)
    if wanted.since is not None:
        where.append(audit_log.c.at >= wanted.since)
    return where


def _position(conn: Connection, account: str, entry_id: int) -> tuple[datetime, int]:
    at = conn.execute(select(audit_log.c.at).where(audit_log.c.id == entry_id,
                                                   audit_log.c.account == account)).scalar()
    if at is None:
        raise UnknownCursor(f"no entry {entry_id} in the audit trail of account {account}")
    return at, entry_id


def _older_than(position: tuple[datetime, int]):
    at, entry_id = position
    # `at <= :at` alone is what the index can seek on; the rest only drops the ties already shown.
    return and_(audit_log.c.at <= at, or_(audit_log.c.at < at, audit_log.c.id < entry_id))


def _newer_than(position: tuple[datetime, int]):
    at, entry_id = position
    return and_(audit_log.c.at >= at, or_(audit_log.c.at > at, audit_log.c.id > entry_id))


def _rows(conn: Connection, where: list, limit: int, newest_first: bool) -> list[TrailEntry]:
    c = audit_log.c
    order = (c.at.desc(), c.id.desc()) if newest_first else (c.at.asc(), c.id.asc())
    # The key is found from the entry's command, one primary-key read each, for the page's rows only.
    key_name = (select(api_keys.c.name).select_from(commands.join(api_keys, api_keys.c.id == commands.c.api_key_id))
                .where(commands.c.id == c.command_id).scalar_subquery())
    rows = conn.execute(select(c.id, c.at, c.actor, c.source, c.action, c.target, c.detail, c.command_id,
                               key_name.label("api_key"), c.detail_said)
                        .where(*where).order_by(*order).limit(limit)).all()
    return [TrailEntry(row.id, row.at, row.actor, row.source, row.action, row.target, row.detail or "",
                       row.command_id, row.api_key, row.detail_said) for row in rows]
