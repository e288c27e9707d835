"""The language of a page: the one its reader chose with the header's switch (remembered in a cookie), else the
first their browser asks for (Accept-Language) that envadmin speaks, else English. GET /language?to=fr&next=/path
switches and goes back to the page."""
from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from languages import DEFAULT, from_accept_language, supported
from producers.web.local_paths import local_path

COOKIE = "envadmin_language"
YEAR = 365 * 24 * 3600

router = APIRouter()


def page_language(request: Request) -> str:
    return supported(request.cookies.get(COOKIE)) or from_accept_language(request.headers.get("accept-language")) \
        or DEFAULT


@router.get("/language")
async def switch_language(request: Request, to: str = DEFAULT, next: str = "/") -> Response:
    answer = RedirectResponse(local_path(next), status_code=303)
    chosen = supported(to)
    if chosen is not None:
        answer.set_cookie(COOKIE, chosen, max_age=YEAR, httponly=True, samesite="lax",
                          secure=request.url.scheme == "https")
    return answer
