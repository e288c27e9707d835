"""Pages from Jinja2 templates (autoescaped), with what every page shows: the service, the person signed in."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from producers.web import sessions
from producers.web.guards import CSRF_FIELD, NO_STORE, csrf_token

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    """A whole page; never cached (pages show tokens, envelopes and people)."""
    context.setdefault("title", "")
    return TEMPLATES.TemplateResponse(
        request, template, {
            "service": request.app.state.settings.service_name, "signed_in": sessions.signed_in(request),
            "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), **context},
        status_code=status, headers=NO_STORE)


def message(request: Request, title: str, lines: list[str], status: int = 200,
            link: tuple[str, str] | None = None) -> HTMLResponse:
    """A page that only says something: a refusal, a closed link, what to do next."""
    return page(request, "message.html", status, title=title, lines=lines, link=link)


def sentence(text: str) -> str:
    """A message of the domain as a sentence's start: its first letter upper-case, the rest as it was."""
    return text[:1].upper() + text[1:]
