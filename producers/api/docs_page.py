"""/docs: the published schema rendered by Swagger UI, from the assets the fastapi-offline package ships (no CDN).

Swagger UI starts from one inline script; the page's Content-Security-Policy allows that script by its hash and no
other, so the site's policy (producers/web/guards.py) stays whole for every other page. Its inline styles are
allowed on this page alone: it shows no one's data and takes no form.
"""
from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

from producers.api.openapi_document import OPENAPI_PATH

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_page(title: str) -> HTMLResponse:
    """Swagger UI's page for the schema, its assets local, its inline script allowed by hash."""
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_PATH, title=f"{title}: HTTP API", oauth2_redirect_url=None,
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        swagger_ui_parameters={"validatorUrl": None})  # no badge fetched from validator.swagger.io
    html = page.body.decode()
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
                      for script in _INLINE_SCRIPT.findall(html))
    policy = (f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
              "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})


def serve_docs(app: FastAPI) -> None:
    """/docs, and the Swagger UI assets under ASSETS_PATH."""
    app.mount(ASSETS_PATH, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs() -> HTMLResponse:
        return docs_page(app.title)
