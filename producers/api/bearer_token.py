"""The API's credential: `Authorization: Bearer <ENVADMIN_API_TOKEN>`, wanted by every /v1 route before anything
else of its request is read (its body, its parameters).

Without the setting the API refuses every /v1 request (503). A wrong token counts in the lockout of the client's
address (store.secret_tries), as a wrong password does at sign-in; a missing one is no guess and is not counted.
"""
from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from config.settings import Settings, check_secret
from domain.login import retry_after_seconds, too_many_failures
from producers.api.dependencies import ApiClient
from producers.api.paths import V1
from producers.api.refusals import ApiRoute, refused
from producers.services.proxies import client_address
from store.secret_tries import API_TOKEN, secret_tried


def expected_token(settings: Settings, token: str | None = None) -> bytes:
    """The token callers must present: `token` if given, else the setting; b"" when there is none (every /v1
    request is then refused). SettingsError for a token too short to resist guessing."""
    if token is None:
        configured = settings.api_token
        token = configured.get_secret_value() if configured is not None else ""
    return check_secret(token, "the API token").encode() if token else b""


async def require_api_token(request: Request, client: ApiClient) -> None:
    """Refuse the request unless it presents the app's API token (`app.state.api_token`)."""
    expected: bytes = request.app.state.api_token
    if not expected:
        raise refused(503, "the API is disabled: set ENVADMIN_API_TOKEN")
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise refused(401, "missing API token (Authorization: Bearer <token>)", {"WWW-Authenticate": "Bearer"})
    right = hmac.compare_digest(presented.strip().encode(), expected)
    now = client.clock.now()
    locked_until = await run_in_threadpool(secret_tried, client.engine, API_TOKEN, client_address(request),
                                           right, now)
    if locked_until is not None:
        raise refused(429, f"this address may not use the API for now: {too_many_failures(locked_until)}",
                      {"Retry-After": str(retry_after_seconds(locked_until, now))})
    if not right:
        raise refused(401, "wrong API token (Authorization: Bearer <token>)", {"WWW-Authenticate": "Bearer"})


def v1_router() -> APIRouter:
    """A router of /v1 routes: each wants the API token first, and refuses in the API's own format."""
    return APIRouter(prefix=V1, route_class=ApiRoute, dependencies=[Depends(require_api_token)])
