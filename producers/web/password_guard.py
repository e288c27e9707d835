"""While a temporary password is unchanged, every page leads to its change first (Keycloak's required action)."""
from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from producers.api.paths import is_api_path
from producers.web import sessions

_OPEN_PATHS = ("/password", "/logout", "/language")
_NOT_WORTH_RETURNING_TO = ("/", "/login")


def _open(path: str) -> bool:
    return path in _OPEN_PATHS or path.startswith("/static/") or is_api_path(path)


class RequirePasswordChange:
    """Redirects to /password, then back to the page asked for (a GET); must sit inside the session middleware."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _open(scope["path"]) or not sessions.must_change_password(Request(scope)):
            await self.app(scope, receive, send)
            return
        target = "/password"
        if scope["method"] == "GET" and scope["path"] not in _NOT_WORTH_RETURNING_TO:
            asked = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope["query_string"] else "")
            target += "?" + urlencode({"next": asked})
        await RedirectResponse(target, status_code=303)(scope, receive, send)
