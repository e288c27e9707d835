"""The console's audit trail of an account: who did what, when, from where; filtered, paged, exported as CSV.

The page names each action as people read it (its label, domain/events.py); its links, its filter's values and the
CSV export keep the action codes the store holds, as the API and the CLI do."""
from __future__ import annotations

import io
from collections.abc import Iterator
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response, StreamingResponse

from domain.events import action_label
from producers.services import csv_output
from producers.services.audit_filters import audit_filter
from producers.web.console import administrator
from producers.web.guards import NO_STORE
from producers.web.language import current_language
from producers.web.language import gettext as _
from producers.web.render import message, page
from producers.web.words import word
from store.reads import accounts
from store.reads.audit_trail import AuditFilter, UnknownCursor, audit_choices, audit_page, each_entry

router = APIRouter()
CSV_COLUMNS = ("at (UTC)", "actor", "source", "action", "target", "detail", "command id", "api key")
CSV_FLUSH_CHARACTERS = 64 * 1024


@router.get("/accounts/{account}/audit")
async def audit(request: Request, account: str, actor: str = "", action: str = "", older: str = "",
                newer: str = "") -> Response:
    """A page of the trail, newest first, with the filters kept in its links."""
    await administrator(request, account)
    engine = request.app.state.client.engine
    wanted = audit_filter(actor, action, None, request.app.state.client.clock.now())
    filters = {name: value for name, value in (("actor", wanted.actor), ("action", wanted.action)) if value}
    try:
        cursors = {"older": _cursor(older), "newer": _cursor(newer)}
        shown = await run_in_threadpool(audit_page, engine, account, wanted, **cursors)
    except (ValueError, UnknownCursor):
        first = f"/accounts/{account}/audit?{urlencode(filters)}"
        return message(request, _("No such page of the audit trail"),
                       [_("The link names no entry of this account's trail.")], status=400,
                       link=(first, _("See the newest entries")))
    choices = await run_in_threadpool(audit_choices, engine, account)
    name = await run_in_threadpool(accounts.account_name, engine, account)
    if name is None:  # the account went away after the check
        raise HTTPException(404)
    base = f"/accounts/{account}/audit"
    links = {"newer": shown.newer and f"{base}?{urlencode({**filters, 'newer': shown.newer})}",
             "older": shown.older and f"{base}?{urlencode({**filters, 'older': shown.older})}",
             "newest": f"{base}?{urlencode(filters)}" if older or newer else None,
             "csv": f"{base}.csv" + (f"?{urlencode(filters)}" if filters else "")}
    title = _("Audit trail of %(name)s (%(number)s)") % {"name": name, "number": account}
    return page(request, "audit.html", title=title, account=account, account_name=name,
                entries=[entry.in_language(current_language()) for entry in shown.entries],
                filters=wanted, filtered=bool(filters), actors=_with(choices.actors, wanted.actor),
                actions=_with(choices.actions, wanted.action), links=links, label=_label, attempt=_attempt)


@router.get("/accounts/{account}/audit.csv")
async def audit_csv(request: Request, account: str, actor: str = "", action: str = "") -> Response:
    """Every entry the filters match (not only a page), streamed as CSV a spreadsheet will not run."""
    await administrator(request, account)
    wanted = audit_filter(actor, action, None, request.app.state.client.clock.now())
    return StreamingResponse(_csv_text(request.app.state.client.engine, account, wanted),
                             media_type="text/csv; charset=utf-8",
                             headers={**NO_STORE, "Content-Disposition":
                                      f'attachment; filename="account-{account}-audit.csv"'})


def _csv_text(engine: Engine, account: str, wanted: AuditFilter) -> Iterator[str]:
    buffer = io.StringIO()
    rows = csv_output.writer(buffer)
    rows.writerow(CSV_COLUMNS)
    for entry in each_entry(engine, account, wanted):
        rows.writerow([entry.at.strftime("%Y-%m-%d %H:%M:%S"), entry.actor, entry.source, entry.action,
                       entry.target, entry.detail, entry.command_id, entry.api_key or ""])
        if buffer.tell() >= CSV_FLUSH_CHARACTERS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cursor(text: str) -> int | None:
    """An entry id from a page link; ValueError if it is not one."""
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise ValueError(text)
    return int(text)


def _label(action: str) -> str:
    """The action as people read it, in the page's language."""
    return word(action_label(action))


def _attempt(action: str) -> str:
    """The row's class: "refused" or "failed" for an attempt that did not go through, else ""."""
    kind = action.rpartition(".")[2]
    return kind if kind in ("refused", "failed") else ""


def _with(choices: list[str], current: str | None) -> list[str]:
    """The choices, and the value chosen now if it is not among them (a link may name any)."""
    return choices if current is None or current in choices else [current, *choices]
