"""The console's account page: Account Administrators (with those pending), the other groups; adding an
administrator by email, setting the language of the account's mails, and the outcome of each command as workers
apply it."""
from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from domain.states import CommandStatus
from languages import NAMES, SUPPORTED
from producers.services.reasons import in_reader_language
from producers.web.console import administrator, command_or_errors, submit
from producers.web.forms import posted_form, text_field
from producers.web.language import current_language
from producers.web.language import gettext as _
from producers.web.render import page
from producers.web.shown_once import take_temporary_password
from store.reads import accounts, queries

router = APIRouter()
REFRESH_SECONDS = 2


async def account_page(request: Request, account: str, email: str, status: int = 200, **context) -> Response:
    web_client = request.app.state.client
    view = await run_in_threadpool(accounts.account_view, web_client.engine, account, web_client.clock.now())
    if view is None:
        raise HTTPException(404)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return page(request, "account.html", status, title=f"{view.name} ({view.number})", account=view, me=email,
                account_languages=[(code, NAMES[code]) for code in SUPPORTED], **context)


@router.get("/accounts/{account}")
async def account_home(request: Request, account: str) -> Response:
    email = await administrator(request, account)
    return await account_page(request, account, email)


@router.post("/accounts/{account}/admins")
async def add_administrator(request: Request, account: str) -> Response:
    """The seed's Groups → Account Administrators → Add: an email with no user becomes an invite, not a refusal."""
    form = await posted_form(request)
    email = await administrator(request, account)
    target = text_field(form, "email").strip()
    cmd = command_or_errors(request, "grant_admin", email, account, {"email": "email"}, email=target)
    if isinstance(cmd, dict):
        return await account_page(request, account, email, status=422, errors=cmd, values={"email": target})
    await submit(request, cmd)
    return RedirectResponse(f"/accounts/{account}/commands/{cmd.id}", status_code=303)


@router.post("/accounts/{account}/language")
async def set_language(request: Request, account: str) -> Response:
    """The language the account's mails are written in when their reader's own is not known."""
    form = await posted_form(request)
    email = await administrator(request, account)
    chosen = text_field(form, "language")
    cmd = command_or_errors(request, "set_account_language", email, account, {"language": "language"},
                            language=chosen)
    if isinstance(cmd, dict):
        return await account_page(request, account, email, status=422, errors=cmd)
    await submit(request, cmd)
    return RedirectResponse(f"/accounts/{account}/commands/{cmd.id}", status_code=303)


@router.get("/accounts/{account}/commands/{command_id}")
async def outcome(request: Request, account: str, command_id: str) -> Response:
    """Where a command the person submitted here stands, refreshing itself until it is final."""
    email = await administrator(request, account)
    try:
        parsed = UUID(command_id)
    except ValueError:
        raise HTTPException(404) from None
    found = await run_in_threadpool(queries.command_status, request.app.state.client.engine, parsed)
    if found is None or found["account"] != account:
        raise HTTPException(404)
    found = in_reader_language(found, current_language())
    waiting = found["status"] == CommandStatus.QUEUED
    password = await take_temporary_password(request, found)
    return page(request, "outcome.html", title=_("Outcome"), account=account, me=email, cmd=found,
                pending=found["status"] == CommandStatus.PENDING, refresh=REFRESH_SECONDS if waiting else None,
                temporary_password=password)
