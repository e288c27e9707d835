"""The HTTP server's one app: the API alone (`envadmin api`), or the API with the web pages beside it
(`envadmin web`: the invitee's registration and sign-in, the console, the ops dashboard and /metrics)."""
from __future__ import annotations

import secrets
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.routing import Mount

from config.settings import Settings, load_settings
from domain.clock import SYSTEM_CLOCK, Clock
from producers.api.bearer_token import expected_token
from producers.api.body_limits import BodyLimits
from producers.api.docs_page import serve_docs
from producers.api.openapi_document import OPENAPI_PATH, publish_schema
from producers.api.paths import SCIM, is_api_path
from producers.api.refusals import answer_refusals
from producers.api.routers import API_ROUTERS
from producers.scim.tenant_app import ScimTenants
from producers.services.client import Client
from producers.services.proxies import believe_trusted_proxies
from producers.web import access_log, language, prometheus, sessions, zones
from producers.web.error_pages import answer_with_pages
from producers.web.guards import response_headers
from producers.web.pages import (
    account,
    api_keys_page,
    audit,
    console_forms,
    envelope_pages,
    home,
    onboard_upload,
    ops_dashboard,
    password_change,
    password_forgot,
    register,
    signing_in,
    time_zone_page,
    users_page,
)
from producers.web.password_guard import RequirePasswordChange
from producers.web.post_limits import PostLimiter
from producers.web.stored_sessions import StoredSessions
from store.session_rows import session_limits

SESSION_COOKIE = "envadmin_session"
PAGE_ROUTERS = (
    language.router,
    register.router,
    signing_in.router,
    password_forgot.router,  # before password_change's: /password/forgot is not a password page
    password_change.router,
    time_zone_page.router,
    home.router,
    envelope_pages.router,
    account.router,
    onboard_upload.router,
    console_forms.router,
    users_page.router,
    api_keys_page.router,
    audit.router,
    prometheus.router,
    ops_dashboard.router,
)


def create_http_app(settings: Settings | None = None, *, pages: bool, token: str | None = None,
                    clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    """The app, with its one Client (store and broker) built here: nothing connects at import.

    `pages`: serve the web pages beside the API. `token`: the API token instead of ENVADMIN_API_TOKEN's, "" for
    none (tests). `clock`: where the pages, the API and the sessions read the time (tests move it instead of waiting)."""
    settings = settings or load_settings()
    if pages:  # pages seal and open with the master key: a missing or malformed one stops the server at start
        settings.master_key_secrets()
    api_token = expected_token(settings, token)
    client = Client(settings, clock=clock)
    client.celery  # build the producer's Celery app now (it connects only when used), never in a race

    app = FastAPI(title="envadmin", version="1", lifespan=_closing(client),
                  docs_url=None, redoc_url=None, openapi_url=OPENAPI_PATH)
    app.state.settings, app.state.client, app.state.api_token = settings, client, api_token
    # Added first, so it runs last of all: inside the pages' sessions, and before any route reads a body.
    larger = (onboard_upload.upload_body_limit(settings),) if pages else ()
    app.add_middleware(BodyLimits, max_bytes=settings.api_max_body_bytes,
                       read_timeout=settings.api_read_timeout_seconds, larger=larger)
    for router in API_ROUTERS:
        app.include_router(router)
    app.router.routes.append(Mount(f"{SCIM}/v2/accounts/{{account}}",
                                   app=ScimTenants(client, api_token, secrets.token_urlsafe(32))))
    answer_refusals(app)
    publish_schema(app)
    serve_docs(app)
    if pages:
        _add_pages(app, settings, clock)
    _send_security_headers(app, settings)
    believe_trusted_proxies(app, settings)
    access_log.install()
    return app


def _closing(client: Client):
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        client.close()

    return lifespan


def _send_security_headers(app: FastAPI, settings: Settings) -> None:
    headers = response_headers(settings)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response


def _add_pages(app: FastAPI, settings: Settings, clock: Clock) -> None:
    """The pages' routes, static files, sessions (not on the API's paths) and error pages."""
    app.state.post_limiter = PostLimiter(settings.web_posts_per_minute)
    for router in PAGE_ROUTERS:
        app.include_router(router, include_in_schema=False)  # the schema is the API's alone
    app.state.ops_snapshot = ops_dashboard.shared_snapshot(app.state.client)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), name="static")
    app.add_middleware(RequirePasswordChange)  # added before the sessions, so it runs inside them and sees one
    app.add_middleware(StoredSessions, engine=app.state.client.engine, limits=session_limits(settings),
                       cookie_name=SESSION_COOKIE, secure=settings.public_url.lower().startswith("https://"),
                       owner=sessions.owner_key, applies_to=_has_pages, clock=clock)
    app.add_middleware(zones.PageZone)
    app.add_middleware(language.PageLanguage)  # outermost: every page, error pages too, knows its language
    answer_with_pages(app, settings)


def _has_pages(path: str) -> bool:
    """The paths whose handlers may read a session: not the API's, nor static files."""
    return not is_api_path(path) and not path.startswith("/static/")
