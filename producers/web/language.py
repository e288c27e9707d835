"""The language of a page: the one its reader chose with the header's switch (remembered in a cookie), else the
first their browser asks for (Accept-Language) that envadmin speaks, else English. GET /language?to=fr&next=/path
switches and goes back to the page.

`PageLanguage` sets it for each request, so `gettext` (imported as `_` by the pages' modules, and installed in the
templates) gives every text of the request in it. A text kept in a constant is marked with `N_` and translated
where it is shown."""
from __future__ import annotations

from contextvars import ContextVar

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from languages import DEFAULT, from_accept_language, supported, translations
from producers.web.local_paths import local_path

COOKIE = "envadmin_language"
YEAR = 365 * 24 * 3600

router = APIRouter()
_language: ContextVar[str] = ContextVar("page_language", default=DEFAULT)


def page_language(request: Request) -> str:
    return supported(request.cookies.get(COOKIE)) or from_accept_language(request.headers.get("accept-language")) \
        or DEFAULT


def current_language() -> str:
    return _language.get()


def gettext(message: str) -> str:
    """`message` in the language of the request being served."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it, which the extraction knows)
    """A text to translate later, where it is shown."""
    return message


class PageLanguage:
    """ASGI middleware: the language of each HTTP request, for everything that serves it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            _language.set(page_language(Request(scope)))
        await self.app(scope, receive, send)


@router.get("/language")
async def switch_language(request: Request, to: str = DEFAULT, next: str = "/") -> Response:
    answer = RedirectResponse(local_path(next), status_code=303)
    chosen = supported(to)
    if chosen is not None:
        answer.set_cookie(COOKIE, chosen, max_age=YEAR, httponly=True, samesite="lax",
                          secure=request.url.scheme == "https")
    return answer
