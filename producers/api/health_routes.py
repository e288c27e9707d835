"""GET /healthz: whether the store answers, for load balancers and container health checks, which carry no
credential; it tells nothing more, so it wants none."""
from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from producers.api.answers import Health
from producers.api.dependencies import ApiClient
from producers.api.paths import HEALTH_PATH
from producers.api.refusals import ApiRoute, refused

logger = logging.getLogger(__name__)

router = APIRouter(route_class=ApiRoute)


@router.get(HEALTH_PATH, summary="Whether the store answers (no credential)",
            responses={200: {"model": Health}, 503: {"model": Health, "description": "The store does not answer"}})
def healthz(client: ApiClient):
    try:
        with client.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        logger.warning("Health check: the store does not answer: %s", e)
        return JSONResponse({"ok": False, **refused(503, "the store does not answer").body()}, status_code=503)
    return {"ok": True}
