"""web and api: serve the web pages with the HTTP API, or the HTTP API alone, in one process (uvicorn)."""
from __future__ import annotations

from typing import Annotated

import typer

from config.settings import Settings, load_settings
from producers.cli.context import err
from producers.cli.speech import N_, _

Host = Annotated[str, typer.Option(help=N_("Address to listen on."))]
Port = Annotated[int, typer.Option(min=1, max=65535, help=N_("Port to listen on."))]


def web(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    settings = load_settings()  # first: a setting that cannot be used stops the server before it listens
    _warn_of_shared_token(settings)
    err.print(_("serving %(url)s (pages) and its /v1 API on http://%(host)s:%(port)s")
              % {"url": settings.public_url, "host": host, "port": port}, markup=False)
    _serve(settings, pages=True, host=host, port=port)


def api(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    settings = load_settings()
    _warn_of_shared_token(settings)
    err.print(_("serving the /v1 API on http://%(host)s:%(port)s") % {"host": host, "port": port}, markup=False)
    _serve(settings, pages=False, host=host, port=port)


def _warn_of_shared_token(settings: Settings) -> None:
    """ENVADMIN_API_TOKEN still works, as a support key that may act as anyone on every account: say what replaces
    it."""
    if settings.api_token is not None:
        err.print(_("warning: ENVADMIN_API_TOKEN is taken as a support key that may act as anyone on every account; "
                    "give each upstream system its own key, scoped to its accounts, with `envadmin api-key create`, "
                    "then unset ENVADMIN_API_TOKEN."), markup=False)


def _serve(settings: Settings, *, pages: bool, host: str, port: int) -> None:
    import uvicorn  # imported on use: the other verbs never need the web stack

    from producers.api.body_limits import KEEP_ALIVE_SECONDS, MAX_HEADER_BYTES, timed_h11_protocol
    from producers.http_app import create_http_app

    uvicorn.run(create_http_app(settings, pages=pages), host=host, port=port,
                http=timed_h11_protocol(settings.api_read_timeout_seconds),
                timeout_keep_alive=KEEP_ALIVE_SECONDS, h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                proxy_headers=False,  # uvicorn would believe 127.0.0.1's; the app believes ENVADMIN_TRUSTED_PROXIES
                ws="none")  # no WebSocket routes: an upgrade request is an ordinary request
