"""The signed-in person's time zone, /time-zone: chosen from the IANA zones known here, grouped by region; their
pages write times in it from then on, and mails written to them too. UTC is the zone of those who chose none."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.routing import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from languages.zones import UTC, ZONE_MAX, known_zone, zone_groups
from producers.web import notes, sessions, zones
from producers.web.forms import posted_form, text_field
from producers.web.language import N_
from producers.web.language import gettext as _
from producers.web.render import page
from store.chosen_time_zones import choose_time_zone, chosen_time_zone

router = APIRouter()

FIELD = "time_zone"
SAVED = N_("Your time zone is saved.")


# The regions the IANA names begin with, as the list's groups name them (the zones' own names are identifiers)
REGIONS = {"Africa": N_("Africa"), "America": N_("America"), "Antarctica": N_("Antarctica"), "Arctic": N_("Arctic"),
           "Asia": N_("Asia"), "Atlantic": N_("Atlantic"), "Australia": N_("Australia"), "Europe": N_("Europe"),
           "Indian": N_("Indian Ocean"), "Pacific": N_("Pacific"), UTC: N_("Coordinated Universal Time")}


def _form(request: Request, email: str, chosen: str, error: str | None = None, status: int = 200) -> Response:
    groups = [(_(REGIONS.get(region, region)), names) for region, names in zone_groups()]
    return page(request, "time_zone.html", status, title=_("Your time zone"), chosen=chosen, groups=groups,
                field_name=FIELD, error=error, note=notes.take(request), signed_in=email)


def _to_login() -> Response:
    return RedirectResponse("/login?" + urlencode({"next": "/time-zone"}), status_code=303)


@router.get("/time-zone")
async def time_zone_form(request: Request) -> Response:
    email = sessions.signed_in(request)
    if email is None:
        return _to_login()
    chosen = await run_in_threadpool(chosen_time_zone, request.app.state.client.engine, email)
    return _form(request, email, known_zone(chosen) or UTC)


@router.post("/time-zone")
async def choose(request: Request) -> Response:
    form = await posted_form(request)
    email = sessions.signed_in(request)
    if email is None:
        return _to_login()
    asked = text_field(form, FIELD).strip()
    if known_zone(asked) is None:
        shown = asked if len(asked) <= ZONE_MAX else asked[:ZONE_MAX] + "…"
        error = (_("Choose a time zone from the list.") if not asked else
                 _("“%(zone)s” is not a time zone known here: choose one from the list, such as Europe/Paris.")
                 % {"zone": shown})
        return _form(request, email, asked, error, status=422)
    saved = None if asked == UTC else asked  # UTC is what a person who chose no zone reads
    await run_in_threadpool(choose_time_zone, request.app.state.client.engine, email, saved)
    notes.leave(request, SAVED)
    answer = RedirectResponse("/time-zone", status_code=303)
    zones.remember(answer, saved, request)
    return answer
