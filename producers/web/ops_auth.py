"""Who may read the ops pages (/ops, /metrics): HTTP Basic, user `ops`, the password of ENVADMIN_OPS_PASSWORD.

Separate from API tokens and from people's sign-in: Prometheus scrapes with `basic_auth`, a browser asks once."""
from __future__ import annotations

import secrets

from fastapi import Depends, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials

OPS_USER = "ops"
_basic = HTTPBasic(realm="envadmin ops", auto_error=False)


class OpsRefused(Exception):
    """The ops pages refused the request: `status` 503 when no password is configured, else 401."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Basic realm="envadmin ops", charset="UTF-8"'} if self.status == 401 else {}


def require_ops(request: Request, credentials: HTTPBasicCredentials | None = Depends(_basic)) -> str:
    """A route dependency: the operator's name when the request carries the ops credentials; else OpsRefused."""
    configured = request.app.state.settings.ops_password
    password = configured.get_secret_value().encode() if configured is not None else b""
    if not password:
        raise OpsRefused(503, "The ops pages are disabled: set ENVADMIN_OPS_PASSWORD to open them.")
    if credentials is None:
        raise OpsRefused(401, "Sign in as ops, with the password of ENVADMIN_OPS_PASSWORD.")
    # Both compared every time, so the time taken does not tell which one was wrong.
    right_user = secrets.compare_digest(credentials.username.encode(), OPS_USER.encode())
    right_password = secrets.compare_digest(credentials.password.encode(), password)
    if not (right_user and right_password):
        raise OpsRefused(401, "Wrong user or password for the ops pages.")
    return OPS_USER
