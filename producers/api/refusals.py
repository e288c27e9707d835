"""How the API refuses a request: a status, {"errors": [{"message": …}, …]} and, for some, headers.

Routes and their dependencies raise Refused; the app answers it (`answer_refusals`). Every API route is an
ApiRoute, which gives a parameter FastAPI finds bad the API's own wording; the pages beside the API keep
FastAPI's answer for theirs.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from languages import reader
from producers.api.parameters import told
from producers.services.api_messages import said
from producers.services.reasons import reader_language
from producers.services.refusal import Refused, refused

__all__ = ["ApiRoute", "Refused", "answer_refusals", "every_method_allowed", "refusal_response", "refused"]

logger = logging.getLogger(__name__)


def refusal_response(error: Refused, request: Request | None = None) -> JSONResponse:
    """The refusal's answer, its messages in the language the request asks for (Accept-Language), else English."""
    language = reader(reader_language(request)) if request is not None else reader("en")
    return JSONResponse(error.body(language), status_code=error.status, headers=error.headers)


class ApiRoute(APIRoute):
    """An API route: a path or query parameter FastAPI cannot read as its type is refused in the API's words."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_refusing_bad_parameters(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError as error:
                raise Refused(422, told(list(error.errors()))) from None

        return handle_refusing_bad_parameters


def answer_refusals(app: FastAPI) -> None:
    """The app answers a Refused with its status, messages and headers, and a store that fails (on any route,
    a page's too) with 503 and a message to try again."""

    async def answer_refused(request: Request, error: Refused) -> JSONResponse:
        return refusal_response(error, request)

    async def store_unavailable(request: Request, error: SQLAlchemyError) -> JSONResponse:
        logger.error("The store failed: %s", error)
        return refusal_response(refused(503, said("store.unavailable")), request)

    async def http_error(request: Request, error: HTTPException) -> Response:
        return await http_exception_handler(request, every_method_allowed(request, error))

    app.add_exception_handler(Refused, answer_refused)
    app.add_exception_handler(SQLAlchemyError, store_unavailable)
    app.add_exception_handler(HTTPException, http_error)


def every_method_allowed(request: Request, error: HTTPException) -> HTTPException:
    """A 405 whose Allow header names every method the path answers: Starlette's names only those of the first
    route of the path (GET /v1/commands and POST /v1/commands are two routes). Any other error as it is."""
    if error.status_code != 405:
        return error
    methods: set[str] = set()
    for route in _each_route(request.app.router.routes):
        if route.matches(request.scope)[0] != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return HTTPException(405, error.detail, {"Allow": ", ".join(sorted(methods))})


def _each_route(routes: list) -> Iterator:
    """The routes, those of included routers among them (FastAPI keeps an included router whole, as its
    `original_router`; our routers carry their prefix in their routes' paths)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _each_route(included.routes)
        else:
            yield route
