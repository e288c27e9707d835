"""Who may read the ops pages (/ops, /metrics): HTTP Basic, user `ops`, the password of ENVADMIN_OPS_PASSWORD.

Separate from API tokens and from people's sign-in: Prometheus scrapes with `basic_auth`, a browser asks once.
Wrong tries count in the lockout of the client address (store.secret_tries): a locked client is refused even the
right password until its lock ends."""
from __future__ import annotations

import secrets

from fastapi import Depends, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from domain.login import retry_after_seconds, too_many_failures
from producers.services.proxies import client_address
from producers.web.language import gettext as _
from producers.web.language import said_here
from store.secret_tries import OPS_PASSWORD, secret_tried

OPS_USER = "ops"
_basic = HTTPBasic(realm="envadmin ops", auto_error=False)


class OpsRefused(Exception):
    """The ops pages refused the request: `status` 503 when no password is configured, 429 while the client is
    locked out (`retry_after` seconds), else 401."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after

    @property
    def headers(self) -> dict[str, str]:
        if self.status == 401:
            return {"WWW-Authenticate": 'Basic realm="envadmin ops", charset="UTF-8"'}
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


def require_ops(request: Request, credentials: HTTPBasicCredentials | None = Depends(_basic)) -> str:
    """A route dependency: the operator's name when the request carries the ops credentials; else OpsRefused."""
    configured = request.app.state.settings.ops_password
    password = configured.get_secret_value().encode() if configured is not None else b""
    if not password:
        raise OpsRefused(503, _("The ops pages are disabled: set ENVADMIN_OPS_PASSWORD to open them."))
    if credentials is None:
        raise OpsRefused(401, _("Sign in as ops, with the password of ENVADMIN_OPS_PASSWORD."))
    # Both compared every time, so the time taken does not tell which one was wrong.
    right_user = secrets.compare_digest(credentials.username.encode(), OPS_USER.encode())
    right_password = secrets.compare_digest(credentials.password.encode(), password)
    right = right_user and right_password
    now = request.app.state.client.clock.now()
    locked_until = secret_tried(request.app.state.client.engine, OPS_PASSWORD, client_address(request), right, now)
    if locked_until is not None:
        raise OpsRefused(429, _("The ops pages refuse this address for now: %(why)s.")
                         % {"why": said_here(too_many_failures(locked_until))}, retry_after=retry_after_seconds(locked_until, now))
    if not right:
        raise OpsRefused(401, _("Wrong user or password for the ops pages."))
    return OPS_USER
