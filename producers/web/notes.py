"""A one-time note for the next page (signed out, password changed), kept in the session until shown."""
from __future__ import annotations

from fastapi import Request

_NOTE = "note"


def leave(request: Request, text: str) -> None:
    request.session[_NOTE] = text


def take(request: Request) -> str | None:
    """The note left for this page, once: it is gone from the session after."""
    return request.session.pop(_NOTE, None)
