"""How the API refuses a request: a status, {"errors": [{"message": …}, …]} and, for some, headers.

Routes and their dependencies raise Refused; the app answers it (`answer_refusals`). Every API route is an
ApiRoute, which gives a parameter FastAPI finds bad the API's own wording; the pages beside the API keep
FastAPI's answer for theirs.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError

from producers.api.parameters import told
from producers.services.refusal import Refused, refused

__all__ = ["ApiRoute", "Refused", "answer_refusals", "refusal_response", "refused"]

logger = logging.getLogger(__name__)


def refusal_response(error: Refused) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


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

    async def answer_refused(_request: Request, error: Refused) -> JSONResponse:
        return refusal_response(error)

    async def store_unavailable(_request: Request, error: SQLAlchemyError) -> JSONResponse:
        logger.error("The store failed: %s", error)
        return refusal_response(refused(503, "the store cannot be used now; try again"))

    app.add_exception_handler(Refused, answer_refused)
    app.add_exception_handler(SQLAlchemyError, store_unavailable)
