"""GET /healthz: whether the store answers, for load balancers and container health checks, which carry no
credential; it tells nothing more, so it wants none."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from languages import reader
from producers.api.answers import Health
from producers.api.dependencies import ApiClient
from producers.api.paths import HEALTH_PATH
from producers.api.refusals import ApiRoute, refused
from producers.services.api_messages import said
from producers.services.reasons import reader_language

logger = logging.getLogger(__name__)

router = APIRouter(route_class=ApiRoute)


@router.get(HEALTH_PATH, summary="Whether the store answers (no credential)",
            responses={200: {"model": Health}, 503: {"model": Health, "description": "The store does not answer"}})
def healthz(request: Request, client: ApiClient):
    try:
        with client.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        logger.warning("Health check: the store does not answer: %s", e)
        said_here = reader(reader_language(request))
        return JSONResponse({"ok": False, **refused(503, said("store.not_answering")).body(said_here)},
                            status_code=503)
    return {"ok": True}
