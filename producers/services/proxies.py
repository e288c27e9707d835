"""Who the client is: its address as the connection gives it, or as a trusted proxy's X-Forwarded-For says.

The address is what the sign-in lockout and the rate limits count, so forwarded headers are believed only from the
proxies listed in ENVADMIN_TRUSTED_PROXIES (none by default): from anyone else they would let a client pose as
any address, to dodge its own lock or to lock someone else out.
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from config.settings import Settings


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def believe_trusted_proxies(app: FastAPI, settings: Settings) -> None:
    """Take the client's address (and scheme) from the forwarded headers of requests that come from a trusted
    proxy; call it last, so it runs first."""
    if settings.trusted_proxy_list:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
