"""Pages from Jinja2 templates (autoescaped), with what every page shows: the service, the person signed in, the
page's language (producers.web.language) and its text in that language (Jinja2's i18n extension, on the
catalogues of `languages`)."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from languages import NAMES, SUPPORTED
from languages.zones import UTC
from producers.web import sessions
from producers.web.counts import count, group_counts_in_sentences
from producers.web.guards import CSRF_FIELD, NO_STORE, csrf_token
from producers.web.language import current_language, gettext, ngettext, said_here
from producers.web.moments import clock, duration, moment, moment_text, tenths
from producers.web.words import word
from producers.web.zones import current_zone

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.add_extension("jinja2.ext.i18n")
TEMPLATES.env.install_gettext_callables(gettext, ngettext, newstyle=True)
TEMPLATES.env.filters["moment"] = moment  # a date and time in <time>, in the page's language and the reader's zone
TEMPLATES.env.filters["moment_text"] = moment_text  # the same, as text alone (an attribute)
TEMPLATES.env.filters["clock"] = clock  # a time of day, to the second
TEMPLATES.env.globals["duration"] = duration  # a duration in the page's language
TEMPLATES.env.filters["tenths"] = tenths  # a rate, in the page's language
TEMPLATES.env.filters["word"] = word
TEMPLATES.env.filters["said"] = said_here  # a message of the rules in the page's language
TEMPLATES.env.filters["count"] = count  # a count, grouped for the page's language
group_counts_in_sentences(TEMPLATES.env)


def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    """A whole page; never cached (pages show tokens, envelopes and people)."""
    context.setdefault("title", "")
    context.setdefault("here", request.url.path)  # where the language switch comes back to
    language = current_language()
    return TEMPLATES.TemplateResponse(
        request, template, {
            "service": request.app.state.settings.service_name, "signed_in": sessions.signed_in(request),
            "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), "language": language,
            "time_zone": current_zone() or UTC,
            "languages": [(code, NAMES[code]) for code in SUPPORTED if code != language], **context},
        status_code=status, headers={**NO_STORE, "Content-Language": language})


def message(request: Request, title: str, lines: list[str], status: int = 200,
            link: tuple[str, str] | None = None) -> HTMLResponse:
    """A page that only says something: a refusal, a closed link, what to do next."""
    # The switch leads home: a page not found at one address must not differ from one at another
    return page(request, "message.html", status, title=title, lines=lines, link=link, here="/")


def sentence(text: str) -> str:
    """A message of the domain as a sentence's start: its first letter upper-case, the rest as it was."""
    return text[:1].upper() + text[1:]
