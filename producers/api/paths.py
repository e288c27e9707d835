"""Where the HTTP API answers: the /v1 routes (each wants the API token) and /healthz (wants no credential).

The web pages are served beside them (`envadmin web`); the pages' own machinery (sessions, the password-change
redirect, HTML error pages) asks `is_api_path` to keep away from the API's requests.
"""
from __future__ import annotations

V1 = "/v1"
HEALTH_PATH = "/healthz"


SCIM = "/scim"  # each account's SCIM tenant, /scim/v2/accounts/{account}/ (producers.scim)


def is_api_path(path: str) -> bool:
    """The API's paths: /v1, /v1/…, SCIM's /scim/… and /healthz; every other path is a page's, or nothing."""
    return path == HEALTH_PATH or path == V1 or path.startswith(V1 + "/") or path.startswith(SCIM + "/")
