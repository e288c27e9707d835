"""The API's credential: `Authorization: Bearer <key>`, wanted by every /v1 route before anything else of its
request is read (its body, its parameters).

A key is an API key (`ea_<id>_<secret>`, made with `envadmin api-key create`), resolved to what it may do and whom
it acts as (domain.api_keys.KeyScope), kept on `request.state.key_scope` for the routes. ENVADMIN_API_TOKEN, where
it is set, is still taken as a support key that may name any actor, as it always could. A wrong key counts in the
lockout of the client's address; the rules are producers.services.key_check's, which the broker's intake shares.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from config.settings import Settings, check_secret
from producers.api.dependencies import ApiClient
from producers.api.paths import V1
from producers.api.query_values import one_value_each
from producers.api.refusals import ApiRoute
from producers.services.key_check import check_key
from producers.services.proxies import client_address


def expected_token(settings: Settings, token: str | None = None) -> bytes:
    """The shared token callers may present as a support key: `token` if given, else the setting; b"" when there
    is none. SettingsError for a token too short to resist guessing."""
    if token is None:
        configured = settings.api_token
        token = configured.get_secret_value() if configured is not None else ""
    return check_secret(token, "the API token").encode() if token else b""


async def require_api_key(request: Request, client: ApiClient) -> None:
    """Refuse the request unless it presents a usable key; keep what the key may do on the request's state."""
    request.state.key_scope = await run_in_threadpool(check_key, client, request.app.state.api_token,
                                                      request.headers.get("authorization", ""),
                                                      client_address(request))


def v1_router() -> APIRouter:
    """A router of /v1 routes: each wants an API key first, then each query parameter once, and refuses in the
    API's own format."""
    return APIRouter(prefix=V1, route_class=ApiRoute,
                     dependencies=[Depends(require_api_key), Depends(one_value_each)])
