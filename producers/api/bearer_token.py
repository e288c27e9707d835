"""The API's credential: `Authorization: Bearer <key>`, wanted by every /v1 route before anything else of its
request is read (its body, its parameters).

A key is an API key (`ea_<id>_<secret>`, made with `envadmin api-key create`), resolved to what it may do and whom
it acts as (domain.api_keys.KeyScope), kept on `request.state.key_scope` for the routes. ENVADMIN_API_TOKEN, where
it is set, is still taken as a support key that may name any actor, as it always could. A wrong key counts in the
lockout of the client's address (store.secret_tries), as a wrong password does at sign-in; a missing one is no
guess and is not counted; a revoked or expired key with its right secret is refused without being counted.
"""
from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from config.master_key import MasterKeyError
from config.settings import Settings, check_secret
from domain.api_keys import KeyScope, key_id_of
from domain.login import retry_after_seconds, too_many_failures
from producers.api.dependencies import ApiClient
from producers.api.paths import V1
from producers.api.query_values import one_value_each
from producers.api.refusals import ApiRoute, refused
from producers.services.client import Client
from producers.services.proxies import client_address
from store.api_keys import Resolved, resolve_key
from store.secret_tries import API_TOKEN, secret_tried

LEGACY_TOKEN_KEY = "ENVADMIN_API_TOKEN"  # the name a request with the shared token acts under
_HOW = "Authorization: Bearer <key>; make a key with `envadmin api-key create`"


def expected_token(settings: Settings, token: str | None = None) -> bytes:
    """The shared token callers may present as a support key: `token` if given, else the setting; b"" when there
    is none. SettingsError for a token too short to resist guessing."""
    if token is None:
        configured = settings.api_token
        token = configured.get_secret_value() if configured is not None else ""
    return check_secret(token, "the API token").encode() if token else b""


async def require_api_key(request: Request, client: ApiClient) -> None:
    """Refuse the request unless it presents a usable key; keep what the key may do on the request's state."""
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented:
        raise refused(401, f"missing API key ({_HOW})", {"WWW-Authenticate": "Bearer"})
    now = client.clock.now()
    resolved = await run_in_threadpool(_resolve, client, request.app.state.api_token, presented, now)
    locked_until = await run_in_threadpool(secret_tried, client.engine, API_TOKEN, client_address(request),
                                           resolved.right, now)
    if locked_until is not None:
        raise refused(429, f"this address may not use the API for now: {too_many_failures(locked_until)}",
                      {"Retry-After": str(retry_after_seconds(locked_until, now))})
    if not resolved.right:
        raise refused(401, f"wrong API key ({_HOW})", {"WWW-Authenticate": "Bearer"})
    if resolved.refusal is not None:
        raise refused(401, resolved.refusal, {"WWW-Authenticate": "Bearer"})
    request.state.key_scope = resolved.scope


def _resolve(client: Client, legacy_token: bytes, presented: str, now) -> Resolved:
    if legacy_token and hmac.compare_digest(presented.encode(), legacy_token):
        return Resolved(True, KeyScope.shared_token(LEGACY_TOKEN_KEY))
    if key_id_of(presented) is None:
        return Resolved(False)
    try:
        keys = client.master_keys()
    except MasterKeyError:
        raise refused(503, "API keys need the master key: set ENVADMIN_MASTER_KEY") from None
    return resolve_key(client.engine, keys, presented, now)


def v1_router() -> APIRouter:
    """A router of /v1 routes: each wants an API key first, then each query parameter once, and refuses in the
    API's own format."""
    return APIRouter(prefix=V1, route_class=ApiRoute,
                     dependencies=[Depends(require_api_key), Depends(one_value_each)])
