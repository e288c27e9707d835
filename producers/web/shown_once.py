"""A temporary password the console made for a user it adds: kept in the session, encrypted (the store holds the
session; a copy of the database must not show it), under its command's id, until that command's outcome page shows
it once its user exists; a command that does not create the user drops it unseen. Taking it removes it from the
stored session, so no copy of the session cookie shows it again."""
from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from domain.states import CommandStatus
from store.reads import queries

_SESSION_KEY = "temporary_passwords"
KEPT_AT_MOST = 3  # the session stays small; an older unseen password is dropped, as when its page is never read


def _fernet(request: Request) -> Fernet:
    master, _older = request.app.state.settings.master_key_secrets()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"envadmin web temporary passwords").derive(master.get_secret_value())
    return Fernet(base64.urlsafe_b64encode(key))


def keep_temporary_password(request: Request, command_id: str, email: str, password: str, password_hash: str) -> None:
    kept = dict(request.session.get(_SESSION_KEY) or {})
    sealed = _fernet(request).encrypt(json.dumps([email, password, password_hash]).encode()).decode()
    kept[command_id] = sealed
    request.session[_SESSION_KEY] = dict(list(kept.items())[-KEPT_AT_MOST:])


async def take_temporary_password(request: Request, command: dict) -> str | None:
    """The password, once, when its command is applied and its user holds it; None while queued (kept)."""
    kept = dict(request.session.get(_SESSION_KEY) or {})
    if command["id"] not in kept or command["status"] == CommandStatus.QUEUED:
        return None
    sealed = kept.pop(command["id"])
    request.session[_SESSION_KEY] = kept
    if command["status"] != CommandStatus.APPLIED:
        return None
    try:
        email, password, password_hash = json.loads(_fernet(request).decrypt(sealed.encode()))
    except (InvalidToken, ValueError):  # sealed under a master key since rotated: it cannot be shown any more
        return None
    holds = await run_in_threadpool(queries.user_has_password_hash, request.app.state.client.engine, email,
                                    password_hash)
    return password if holds else None
