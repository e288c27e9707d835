"""`request.session` kept in the store (store/session_rows.py): the cookie holds only a random id, so signing out or
a password change elsewhere ends a session for good, and data taken from it (a password shown once) is gone.

Modelled on Starlette's SessionMiddleware. A request writes to the store only when its session's data changed, when
it begins or ends a session, or when the stored time of its last request is about a minute old; a visitor gets a
session only once something is kept in it (the sign-in form's CSRF token).
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime
from http.cookies import SimpleCookie

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.clock import Clock
from domain.web_sessions import SessionLimits
from store import session_rows
from store.session_rows import StoredSession


class ServerSession(dict):
    """The data of this browser's session; `renew()` moves it to a new id at the end of the request (signing in
    or out), the old id then worth nothing."""

    def __init__(self, data: dict, session_id: str | None):
        super().__init__(data)
        self.session_id = session_id  # None until the store holds it
        self.renewed = False

    def renew(self) -> None:
        self.renewed = True


def _snapshot(data: dict) -> str:
    return json.dumps(data, sort_keys=True)


class StoredSessions:
    """ASGI middleware: `scope["session"]` is a ServerSession for every request whose path `applies_to`."""

    def __init__(self, app: ASGIApp, *, engine: Engine, limits: SessionLimits, cookie_name: str, secure: bool,
                 owner: Callable[[dict], str | None], applies_to: Callable[[str], bool],
                 clock: Clock):
        self.app, self.engine, self.limits, self.cookie_name = app, engine, limits, cookie_name
        self.secure, self.owner, self.applies_to, self.clock = secure, owner, applies_to, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies_to(scope["path"]):
            await self.app(scope, receive, send)
            return
        now = self.clock.now()
        presented = HTTPConnection(scope).cookies.get(self.cookie_name) or None
        stored = await run_in_threadpool(self._load, presented, now) if presented else None
        session = ServerSession(stored.data if stored else {}, presented if stored else None)
        scope["session"] = session
        loaded = _snapshot(session)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = await run_in_threadpool(self._keep, session, stored, loaded, presented, now)
                if cookie is not None:
                    MutableHeaders(scope=message).append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, session_id: str, now: datetime) -> StoredSession | None:
        with self.engine.connect().execution_options(readonly=True) as conn:
            return session_rows.live_session(conn, session_id, now, self.limits)

    def _keep(self, session: ServerSession, stored: StoredSession | None, loaded: str, presented: str | None,
              now: datetime) -> str | None:
        """Write what the request did to its session; the Set-Cookie header it needs, if any."""
        ended = session.session_id if session.renewed or not session else None
        if not session:
            if ended is not None:
                with self.engine.begin() as conn:
                    session_rows.delete_session(conn, ended)
            return self._cookie("", 0) if presented else None  # a dead cookie is not sent again
        if session.session_id is None or ended is not None:
            session.session_id = secrets.token_urlsafe(32)
            with self.engine.begin() as conn:
                if ended is not None:
                    session_rows.delete_session(conn, ended)
                session_rows.create_session(conn, session.session_id, self.owner(session), dict(session), now)
            return self._cookie(session.session_id, int(self.limits.lifetime.total_seconds()))
        if _snapshot(session) != loaded:
            with self.engine.begin() as conn:
                session_rows.save_session(conn, session.session_id, self.owner(session), dict(session), now)
        elif self.limits.is_seen_again(stored.last_seen_at, now):
            with self.engine.begin() as conn:
                session_rows.see_session(conn, session.session_id, now)
        return None

    def _cookie(self, value: str, max_age: int) -> str:
        cookie = SimpleCookie()
        cookie[self.cookie_name] = value
        attributes = cookie[self.cookie_name]
        attributes.update({"path": "/", "max-age": max_age, "httponly": True, "samesite": "lax"})
        if self.secure:
            attributes["secure"] = True
        return attributes.OutputString()
