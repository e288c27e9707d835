"""The console's API keys of an account (/accounts/<n>/keys): its administrators list them, make one acting as
themselves on this account (its secret, and its callbacks' signing secret when given a callback URL, shown once,
on the answer to the form, never again), and revoke one from a confirmation page. Each action is audited as theirs, from the web."""
from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from domain.api_keys import DEFAULT_LIFETIME, parse_duration
from domain.callback_urls import check_callback_url
from producers.web.console import administrator
from producers.web.forms import posted_form, text_field
from producers.web.language import gettext as _
from producers.web.language import said_here
from producers.web.render import page
from store.api_keys import ApiKeyError, IssuedKey, create_key, list_keys, revoke_key
from store.reads import accounts

router = APIRouter()
SOURCE = "web"
LIFETIME: timedelta = parse_duration(DEFAULT_LIFETIME, "the console's key lifetime")


async def keys_page(request: Request, account: str, me: str, status: int = 200, issued: IssuedKey | None = None,
                    errors: dict | None = None, values: dict | None = None) -> Response:
    client = request.app.state.client
    view = await run_in_threadpool(accounts.account_view, client.engine, account, client.clock.now())
    if view is None:
        raise HTTPException(404)
    listed = await run_in_threadpool(list_keys, client.engine, account)
    title = _("API keys of %(name)s (%(number)s)") % {"name": view.name, "number": view.number}
    return page(request, "api_keys.html", status, title=title, account=view,
                me=me, keys=listed, issued=issued, errors=errors or {}, values=values or {})


@router.get("/accounts/{account}/keys")
async def keys_home(request: Request, account: str) -> Response:
    return await keys_page(request, account, await administrator(request, account))


@router.post("/accounts/{account}/keys")
async def make_key(request: Request, account: str) -> Response:
    """A key for this account acting as the administrator who makes it, shown once on the answer."""
    form = await posted_form(request)
    me = await administrator(request, account)
    name = text_field(form, "key_name").strip()
    callback = text_field(form, "callback_url").strip() or None
    values = {"key_name": name, "callback_url": callback}
    client = request.app.state.client
    try:
        callback = check_callback_url(callback) if callback is not None else None
    except ValueError as e:
        return await keys_page(request, account, me, 422, errors={"callback_url": str(e)}, values=values)
    try:
        issued = await run_in_threadpool(lambda: create_key(
            client.engine, client.master_keys(), name, client.clock.now(), accounts=[account], by=me,
            callback_url=callback, lifetime=LIFETIME, actor=me, source=SOURCE))
    except ApiKeyError as e:
        return await keys_page(request, account, me, 422, errors={"key_name": said_here(e.message)}, values=values)
    return await keys_page(request, account, me, issued=issued)


@router.get("/accounts/{account}/keys/revoke")
async def confirm_revoke(request: Request, account: str, name: str = "") -> Response:
    me = await administrator(request, account)
    client = request.app.state.client
    listed = await run_in_threadpool(list_keys, client.engine, account)
    if not any(key.name == name and key.revoked_at is None for key in listed):
        raise HTTPException(404)
    view = await run_in_threadpool(accounts.account_view, client.engine, account, client.clock.now())
    question = _("Revoke the key %(name)s?") % {"name": name}
    return page(request, "confirm.html", title=question, account=view, me=me, question=question,
                detail=_("Every request it signs is refused from now on; this cannot be undone."),
                action=f"/accounts/{account}/keys/revoke", hidden={"name": name}, button=_("Revoke the key"))


@router.post("/accounts/{account}/keys/revoke")
async def revoke(request: Request, account: str) -> Response:
    form = await posted_form(request)
    me = await administrator(request, account)
    client = request.app.state.client
    try:
        await run_in_threadpool(lambda: revoke_key(client.engine, text_field(form, "name"), client.clock.now(),
                                                   account=account, actor=me, source=SOURCE))
    except ApiKeyError:
        raise HTTPException(404) from None
    return RedirectResponse(f"/accounts/{account}/keys", status_code=303)
