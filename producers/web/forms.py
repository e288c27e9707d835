"""Reading a posted form: the slow-down first, then the CSRF token; a refusal is a page, never an error."""
from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData

from producers.services.proxies import client_address
from producers.web.guards import CSRF_FIELD, check_csrf

__all__ = ["MAX_FIELD_CHARS", "SlowDown", "check_pace", "client_address", "posted_form", "text_field"]

MAX_FIELD_CHARS = 1024  # names and passwords are far shorter: a longer value is refused, never stored


class SlowDown(Exception):
    """Too many posts from this client address: wait `seconds`."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def check_pace(request: Request) -> None:
    """SlowDown unless this client may post now (the post is counted)."""
    wait = request.app.state.post_limiter.wait_seconds(client_address(request))
    if wait:
        raise SlowDown(wait)


async def posted_form(request: Request, *, csrf: bool = True) -> FormData:
    """The form, once the client may post and the form carries its session's CSRF token.

    `csrf=False` only for a form that cannot carry a token and changes nothing: the mailed envelope's button.
    """
    check_pace(request)
    form = await request.form(max_files=0, max_fields=20, max_part_size=MAX_FIELD_CHARS * 4)
    if csrf:
        check_csrf(request, form.get(CSRF_FIELD))
    return form


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:MAX_FIELD_CHARS] if isinstance(value, str) else ""
