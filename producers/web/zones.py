"""The time zone a page writes its times in: the one its reader chose (users.time_zone), kept in a cookie as the
language is (producers.web.language), else UTC. Signing in sets the cookie to the zone the person saved, or, when
they saved none, to the one their browser reports with the sign-in form (saved for them then, once); the console's
time zone page changes both. The cookie is read back only if it names a zone known here."""
from __future__ import annotations

from contextvars import ContextVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from languages.zones import zone_of_its_own
from store.chosen_time_zones import choose_time_zone, chosen_time_zone

COOKIE = "envadmin_time_zone"
YEAR = 365 * 24 * 3600

_zone: ContextVar[str | None] = ContextVar("page_time_zone", default=None)


def current_zone() -> str | None:
    """The zone of the request being served; None: UTC."""
    return _zone.get()


def remember(response: Response, zone: str | None, request: Request) -> None:
    """The zone for this browser's pages from now on; None forgets it (UTC)."""
    if zone is None:
        response.delete_cookie(COOKIE)
    else:
        response.set_cookie(COOKIE, zone, max_age=YEAR, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")


async def in_their_zone(request: Request, email: str, browser_zone: str | None, answer: Response) -> Response:
    """`answer` to a person just signed in: their pages in the zone they saved; if they saved none, in the one their
    browser reported (a zone known here other than UTC, else ignored), which is saved for them."""
    engine = request.app.state.client.engine
    zone = await run_in_threadpool(chosen_time_zone, engine, email)
    if zone is None and zone_of_its_own(browser_zone) is not None:
        zone = browser_zone
        await run_in_threadpool(choose_time_zone, engine, email, zone)
    remember(answer, zone, request)
    return answer


class PageZone:
    """ASGI middleware: the time zone of each HTTP request, from its cookie."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            _zone.set(zone_of_its_own(Request(scope).cookies.get(COOKIE)))
        await self.app(scope, receive, send)
