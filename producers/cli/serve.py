"""api: serve the HTTP API for upstream systems (uvicorn)."""
from __future__ import annotations

import os
from typing import Annotated

import typer

from config.settings import load_settings
from producers.cli.context import err


def api(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the HTTP API (callers need Authorization: Bearer $ENVADMIN_API_TOKEN)."""
    import uvicorn  # imported on use: the other verbs never need the web stack

    from producers.api import create_api
    from producers.api_limits import KEEP_ALIVE_SECONDS, MAX_HEADER_BYTES, timed_h11_protocol

    if not os.environ.get("ENVADMIN_API_TOKEN"):
        err.print("warning: ENVADMIN_API_TOKEN is not set; the API will refuse every request (503).",
                  markup=False)
    settings = load_settings()
    uvicorn.run(create_api(settings), host=host, port=port,
                http=timed_h11_protocol(settings.api_read_timeout_seconds),
                timeout_keep_alive=KEEP_ALIVE_SECONDS, h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                ws="none")  # no WebSocket routes: an upgrade request is an ordinary request
