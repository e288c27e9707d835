"""A one-time note for the next page (signed out, password changed), kept in the session until shown: kept as its
source text (marked with N_), shown in the language of the page that shows it."""
from __future__ import annotations

from fastapi import Request

from producers.web.language import gettext as _

_NOTE = "note"


def leave(request: Request, text: str) -> None:
    """`text`: a constant marked with N_, translated when it is shown."""
    request.session[_NOTE] = text


def take(request: Request) -> str | None:
    """The note left for this page, once: it is gone from the session after."""
    text = request.session.pop(_NOTE, None)
    return _(text) if text else None
