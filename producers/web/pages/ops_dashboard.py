"""The operators' dashboard, /ops: queues, workers, commands, latency, pending grants, invites and mail, jobs and
dead letters, live. Behind HTTP Basic (ops_auth), never open.

The page is drawn on the server; its script asks /ops/live every REFRESH_SECONDS for the same panels drawn anew
and swaps in those that changed, so the chart and every figure have one renderer. /ops/figures.json serves the
same snapshot to scripts. One snapshot serves every viewer for a second (producers.ops.snapshot.SharedSnapshot).
"""
from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from producers.ops import view
from producers.ops.chart import per_minute_chart
from producers.ops.dead_letter_replay import replay_dead_letters
from producers.ops.snapshot import SharedSnapshot, read_snapshot
from producers.web.forms import posted_form, text_field
from producers.web.guards import CSRF_FIELD, NO_STORE, csrf_token
from producers.web.language import gettext as _
from producers.web.language import said_here
from producers.web.ops_auth import require_ops
from producers.web.ops_words import task_words
from producers.web.render import TEMPLATES, page

router = APIRouter(prefix="/ops")
REFRESH_SECONDS = 2
LETTER_FIELD = "dead_letter"
_OUTCOME = "ops_replay"  # the session's key for the last replay's outcome
LETTER_ID = re.compile(r"[0-9]{1,9}")  # a dead letter's number, below the store's integer range


def shared_snapshot(client) -> SharedSnapshot:
    """The web process's one snapshot reader (create_http_app keeps it on app.state)."""
    return SharedSnapshot(lambda: read_snapshot(client))


async def _snapshot(request: Request) -> dict:
    return await run_in_threadpool(request.app.state.ops_snapshot.get)


def _panels(request: Request, snapshot: dict) -> dict:
    """What the panels' template needs: the snapshot, its chart, the wording, the token of the Replay forms."""
    return {"figures": snapshot, "chart": per_minute_chart(snapshot["applied_per_minute"]),
            "view": view, "task_words": task_words, "depths": view.depth_rows(snapshot["queues"]),
            "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), "letter_field": LETTER_FIELD}


@router.get("")
async def dashboard(request: Request, operator: str = Depends(require_ops)) -> Response:
    snapshot = await _snapshot(request)
    return page(request, "ops.html", title=_("Ops dashboard"), operator=operator,
                outcome=request.session.pop(_OUTCOME, None),
                refresh_seconds=REFRESH_SECONDS, **_panels(request, snapshot))


@router.get("/live")
async def live_panels(request: Request, _operator: str = Depends(require_ops)) -> Response:
    """The panels alone, drawn as the page draws them: what the page's script swaps in."""
    snapshot = await _snapshot(request)
    return TEMPLATES.TemplateResponse(request, "ops_panels.html", _panels(request, snapshot), headers=NO_STORE)


@router.get("/figures.json")
async def figures_json(request: Request, _operator: str = Depends(require_ops)) -> Response:
    return JSONResponse(await _snapshot(request), headers=NO_STORE)


@router.post("")
async def replay(request: Request, operator: str = Depends(require_ops)) -> Response:
    """The Replay button of a dead letter: its command goes back to the queue; the page says what happened."""
    form = await posted_form(request)  # basic auth is sent by the browser on its own: the CSRF token is required
    raw = text_field(form, LETTER_FIELD)
    if not LETTER_ID.fullmatch(raw):
        outcome = {"replayed": False, "text": _("No dead letter to replay: %(posted)s is not a dead letter's number.")
                   % {"posted": repr(raw)}}
    else:
        outcome = await run_in_threadpool(_replay, request.app.state.client, int(raw), operator)
        request.app.state.ops_snapshot.forget()
    request.session[_OUTCOME] = outcome  # shown once, by the page the browser is sent to
    return RedirectResponse("/ops", status_code=303)


def _replay(client, letter_id: int, operator: str) -> dict:
    [outcome] = replay_dead_letters(client, [letter_id], operator, source="web")
    if outcome.replayed:
        return {"replayed": True, "text": _("Dead letter #%(number)s replayed: %(reason)s.")
                % {"number": letter_id, "reason": said_here(outcome.reason)}}
    return {"replayed": False, "text": _("Dead letter #%(number)s was not replayed: %(reason)s.")
            % {"number": letter_id, "reason": said_here(outcome.reason)}}
