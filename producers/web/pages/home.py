"""A signed-in person's home page: their accounts with their roles, and the invites still open to them."""
from __future__ import annotations

from fastapi import Request
from fastapi.routing import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from producers.web import notes, sessions
from producers.web.language import gettext as _
from producers.web.render import page
from store.reads import people

router = APIRouter()


@router.get("/")
async def home(request: Request) -> Response:
    email = sessions.signed_in(request)
    if email is None:
        return RedirectResponse("/login", status_code=303)
    person = await run_in_threadpool(people.home, request.app.state.client.engine, email,
                                     request.app.state.client.clock.now())
    if person is None:  # the user no longer exists: the session speaks for nobody
        sessions.sign_out(request)
        return RedirectResponse("/login", status_code=303)
    return page(request, "home.html", title=_("Your accounts"), person=person, note=notes.take(request))
