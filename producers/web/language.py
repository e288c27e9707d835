"""The language of a page: the one its reader chose, else the first their browser asks for (Accept-Language) that
envadmin speaks, else the language of the account the page belongs to (`default_to`: a console page of the account,
the registration page of one of its invites), else English.

The reader's choice is kept in a cookie: the header's switch (GET /language?to=fr&next=/path, which goes back to
the page) sets it, and so does signing in, to the language the person saved. A person signed in who switches from
envadmin's own pages saves their choice (users.language), so it follows them to any browser they sign in on, and to
the mails written to them; a link on another site changes the browser's cookie only.

`PageLanguage` sets the language for each request, so `gettext` (imported as `_` by the pages' modules, and
installed in the templates) gives every text of the request in it. A text kept in a constant is marked with `N_`
and translated where it is shown."""
from __future__ import annotations

from contextvars import ContextVar

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from domain.said import in_reader
from languages import DEFAULT, from_accept_language, reader, supported, translations
from producers.web import sessions
from producers.web.local_paths import local_path
from store.chosen_languages import choose_language, chosen_language

COOKIE = "envadmin_language"
YEAR = 365 * 24 * 3600

router = APIRouter()
_language: ContextVar[str] = ContextVar("page_language", default=DEFAULT)
_asked: ContextVar[bool] = ContextVar("page_language_asked", default=False)  # the reader or their browser chose it


def readers_language(request: Request) -> str | None:
    """The language the reader chose (the cookie), else the one their browser asks for; None if neither."""
    return supported(request.cookies.get(COOKIE)) or from_accept_language(request.headers.get("accept-language"))


def page_language(request: Request) -> str:
    return readers_language(request) or DEFAULT


def default_to(language: str | None) -> None:
    """The page belongs to an account whose language is `language`: the page is in it unless its reader asked for
    one."""
    if not _asked.get():
        _language.set(supported(language) or DEFAULT)


def remember(response: Response, language: str, request: Request) -> None:
    """The reader's choice, kept in the browser for a year."""
    response.set_cookie(COOKIE, language, max_age=YEAR, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")


async def in_their_language(request: Request, email: str, answer: Response) -> Response:
    """`answer` to a person just signed in: their pages from now on in the language they saved, if they saved one,
    whatever this browser chose before."""
    chosen = await run_in_threadpool(chosen_language, request.app.state.client.engine, email)
    if chosen is not None:
        remember(answer, chosen, request)
    return answer


def current_language() -> str:
    return _language.get()


def gettext(message: str) -> str:
    """`message` in the language of the request being served."""
    return translations(_language.get()).gettext(message)


def said_here(message: str) -> str:
    """A message of the rules (domain.said) in the language of the request being served; any other text as it is."""
    return str(in_reader(message, reader(_language.get())))


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
            asked = readers_language(Request(scope))
            _language.set(asked or DEFAULT)
            _asked.set(asked is not None)
        await self.app(scope, receive, send)


@router.get("/language")
async def switch_language(request: Request, to: str = DEFAULT, next: str = "/") -> Response:
    answer = RedirectResponse(local_path(next), status_code=303)
    chosen = supported(to)
    if chosen is not None:
        remember(answer, chosen, request)
        person = sessions.signed_in(request)
        if person is not None and _from_here(request):
            await run_in_threadpool(choose_language, request.app.state.client.engine, person, chosen)
    return answer


def _from_here(request: Request) -> bool:
    """The switch was followed from one of envadmin's pages, or typed: not a link on another site, which may change
    this browser's pages (a cookie) but not what the person saved. Browsers say where a navigation came from in
    Sec-Fetch-Site; one that does not say is taken at its word."""
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
