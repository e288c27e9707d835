"""Web sessions in the store: a row per session, keyed by a hash of the random id its cookie holds.

Every function takes a connection and runs inside the caller's transaction: `end_sessions` is called in the same
transaction as a password change (or any other change that must sign a person out everywhere else).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, or_, select, update

from config.settings import Settings
from domain.web_sessions import SessionLimits
from store.tables import web_sessions

_c = web_sessions.c


def session_limits(settings: Settings) -> SessionLimits:
    return SessionLimits(idle=timedelta(minutes=settings.web_session_idle_minutes),
                         lifetime=timedelta(hours=settings.web_session_lifetime_hours))


def stored_key(session_id: str) -> str:
    """What the store keeps of a session id: its SHA-256, so a read of the table cannot be replayed as a cookie."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class StoredSession:
    data: dict
    email_key: str | None
    created_at: datetime
    last_seen_at: datetime


def live_session(conn: Connection, session_id: str, now: datetime, limits: SessionLimits) -> StoredSession | None:
    """The session if it exists and has neither been idle too long nor outlived its lifetime; else None."""
    row = conn.execute(select(_c.data, _c.email_key, _c.created_at, _c.last_seen_at)
                       .where(_c.id_hash == stored_key(session_id))).first()
    if row is None or not limits.is_live(row.created_at, row.last_seen_at, now):
        return None
    return StoredSession(row.data, row.email_key, row.created_at, row.last_seen_at)


def create_session(conn: Connection, session_id: str, email_key: str | None, data: dict, now: datetime) -> None:
    conn.execute(web_sessions.insert().values(id_hash=stored_key(session_id), email_key=email_key, data=data,
                                              created_at=now, last_seen_at=now))


def save_session(conn: Connection, session_id: str, email_key: str | None, data: dict, now: datetime) -> None:
    """New data for a session; nothing if it was ended meanwhile (it is not brought back)."""
    conn.execute(update(web_sessions).where(_c.id_hash == stored_key(session_id))
                 .values(email_key=email_key, data=data, last_seen_at=now))


def see_session(conn: Connection, session_id: str, now: datetime) -> None:
    """A request on the session now: the idle limit counts from here."""
    conn.execute(update(web_sessions).where(_c.id_hash == stored_key(session_id)).values(last_seen_at=now))


def delete_session(conn: Connection, session_id: str) -> None:
    conn.execute(delete(web_sessions).where(_c.id_hash == stored_key(session_id)))


def end_sessions(conn: Connection, email_key: str, keep: str | None = None) -> int:
    """End every session of the person with this email key, except `keep` (a session id, as its cookie holds
    it: the one making the change); how many were ended."""
    condition = _c.email_key == email_key
    if keep is not None:
        condition = condition & (_c.id_hash != stored_key(keep))
    return conn.execute(delete(web_sessions).where(condition)).rowcount


def prune_sessions(conn: Connection, now: datetime, limits: SessionLimits) -> int:
    """Delete the sessions that have ended by idleness or lifetime; how many."""
    return conn.execute(delete(web_sessions).where(or_(_c.last_seen_at <= now - limits.idle,
                                                       _c.created_at <= now - limits.lifetime))).rowcount
