"""What a refused page request is shown, in the page's language: a page that says why, or where to go."""
from __future__ import annotations

from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from config.settings import Settings
from producers.api.paths import is_api_path
from producers.api.refusals import every_method_allowed
from producers.web.console import SignInFirst
from producers.web.forms import SlowDown
from producers.web.guards import CsrfRefused
from producers.web.language import current_language, ngettext
from producers.web.language import gettext as _
from producers.web.ops_auth import OpsRefused
from producers.web.render import message


def _number(value: float) -> str:
    return format_decimal(value, locale=current_language(), decimal_quantization=False)


def answer_with_pages(app: FastAPI, settings: Settings) -> None:
    """The app's handlers of the refusals of its pages (an API path keeps its JSON answer)."""

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, error: CsrfRefused) -> Response:
        if error.expired:
            return message(request, _("Your session has expired"),
                           [_("This page stayed open more than %(minutes)s minutes without activity, its session "
                              "reached its limit of %(hours)s hours, or it was signed out, so its form was not "
                              "accepted and nothing was changed. Reload the page (sign in again if asked), then send "
                              "it again.") % {"minutes": _number(settings.web_session_idle_minutes),
                                              "hours": _number(settings.web_session_lifetime_hours)}], status=403)
        return message(request, _("This form has expired"),
                       [_("It was sent without the security token of this browser session (a page kept open too "
                          "long, or sent from elsewhere). Go back, reload the page and send it again.")],
                       status=403)

    @app.exception_handler(SignInFirst)
    async def sign_in_first(request: Request, _error: SignInFirst) -> Response:
        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)

    @app.exception_handler(SlowDown)
    async def slow_down(request: Request, error: SlowDown) -> Response:
        wait = ngettext("Please wait %(seconds)s second, then try again.",
                        "Please wait %(seconds)s seconds, then try again.", error.seconds)
        response = message(request, _("Too many attempts"), [wait % {"seconds": error.seconds}], status=429)
        response.headers["Retry-After"] = str(error.seconds)
        return response

    @app.exception_handler(OpsRefused)
    async def ops_refused(request: Request, error: OpsRefused) -> Response:
        response = message(request, _("Ops pages refused"), [error.message], status=error.status)
        response.headers.update(error.headers)
        return response

    @app.exception_handler(HTTPException)
    async def not_found(request: Request, error: HTTPException) -> Response:
        error = every_method_allowed(request, error)
        if is_api_path(request.url.path):  # the API answers in JSON, pages or not
            return await http_exception_handler(request, error)
        if error.status_code == 404:
            return message(request, _("Page not found"), [_("There is nothing at this address.")], status=404,
                           link=("/", _("Home")))
        return message(request, _("Request refused"), [str(error.detail)], status=error.status_code,
                       link=("/", _("Home")))
