"""The sealed envelope's pages: its recipient reads it once signed in; the mailed attachment's button posts it here."""
from __future__ import annotations

import base64
import binascii
import logging

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from domain.envelope import TamperedEnvelope, is_envelope_id
from domain.errors import Refused
from domain.master_keys import WrongMasterKey
from domain.model import email_key
from domain.said import kept
from domain.states import InviteStatus
from producers.services.invite_registration import posted_envelope_recipient, read_envelope
from producers.web import sessions
from producers.web.forms import posted_form
from producers.web.language import N_, said_here
from producers.web.language import gettext as _
from producers.web.render import message, page

router = APIRouter()
logger = logging.getLogger(__name__)

MAX_POSTED_CHARS = 64 * 1024  # a sealed invite is a few hundred bytes: anything this long is not one of ours
ASK_AGAIN = N_("If it came with an invitation mail, ask the person who invited you to send a new invite.")
# The sealed fields a person reads, in this order and with these labels; any other field follows, by its name.
LABELS = {"to": N_("For"), "invited_by": N_("Invited by"), "account": N_("Account"), "role": N_("Role")}
CANNOT_OPEN = N_("This envelope cannot be opened")
SHOWN_APART = {"registration_link", "account_name", "inviter_name", "role_said"}


def _with_names(message: dict) -> dict:
    """The account, the inviter and the role as a person reads them: with their names, when the envelope sealed
    them (an envelope that holds no names shows the number and the email alone), the role in the page's language
    when the envelope sealed its codes (else as sealed)."""
    shown = dict(message)
    if "role" in message:
        shown["role"] = said_here(kept(message.get("role_said"), message["role"]))
    if message.get("inviter_name") and "invited_by" in message:
        shown["invited_by"] = f"{message['inviter_name']} <{message['invited_by']}>"
    if message.get("account_name") and "account" in message:
        shown["account"] = _("%(name)s (account %(number)s)") % {"name": message["account_name"],
                                                                  "number": message["account"]}
    return shown


@router.get("/envelopes/{envelope_id}")
async def envelope(request: Request, envelope_id: str) -> Response:
    """The message, for its signed-in recipient; everyone else (and every unknown id) gets the same 404."""
    if not is_envelope_id(envelope_id):
        raise HTTPException(404)
    email = sessions.signed_in(request)
    if email is None:
        return _to_login(envelope_id)
    try:
        opened = await run_in_threadpool(read_envelope, request.app.state.client, envelope_id, email)
    except Refused:
        raise HTTPException(404) from None
    except TamperedEnvelope:
        logger.warning("envelope %s failed authentication: refused to %s", envelope_id, email)
        return message(request, _(CANNOT_OPEN),
                       [_("It was altered after it was sealed, so none of its message is shown."), _(ASK_AGAIN)],
                       status=409, link=("/", _("Home")))
    except WrongMasterKey as e:
        return _key_not_held(request, e)
    shown = _with_names(opened.message)
    fields = [(_(label), shown[key]) for key, label in LABELS.items() if key in shown]
    fields += [(key.replace("_", " ").capitalize(), value) for key, value in shown.items()
               if key not in LABELS and key not in SHOWN_APART]
    return page(request, "envelope.html", title=_("Your sealed envelope"), opened=opened, fields=fields,
                inviter=opened.message.get("inviter_name") or opened.message.get("invited_by"),
                link=opened.message.get("registration_link"),
                accepted=opened.invite_status == InviteStatus.ACCEPTED)


@router.post("/envelopes/open")
async def open_posted(request: Request) -> Response:
    """The mailed attachment's button: checks the envelope is ours and unchanged, then sends its reader on.

    A file opened in a browser cannot carry this session's CSRF token, so none is asked: this changes nothing,
    it only checks and redirects. The slow-down still applies.
    """
    form = await posted_form(request, csrf=False)
    envelope_id, nonce, ciphertext = form.get("envelope"), _bytes(form.get("nonce")), _bytes(form.get("ciphertext"))
    if not isinstance(envelope_id, str) or not is_envelope_id(envelope_id) or nonce is None or ciphertext is None:
        return _not_ours(request)
    try:
        recipient = await run_in_threadpool(posted_envelope_recipient, request.app.state.client, envelope_id,
                                             nonce, ciphertext)
    except WrongMasterKey as e:
        return _key_not_held(request, e)
    if recipient is None:
        return _not_ours(request)
    email = sessions.signed_in(request)
    if email is not None and email_key(email) != recipient:
        raise HTTPException(404)
    # Without a session too: a post from a file is cross-site, so the SameSite=Lax cookie never comes with it,
    # but it does with the GET this redirects to, which sends a reader who is not signed in to sign in.
    return RedirectResponse(f"/envelopes/{envelope_id}", status_code=303)


def _bytes(posted: object) -> bytes | None:
    if not isinstance(posted, str) or len(posted) > MAX_POSTED_CHARS:
        return None
    try:
        return base64.b64decode(posted, validate=True)
    except (binascii.Error, ValueError):
        return None


def _to_login(envelope_id: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next=/envelopes/{envelope_id}", status_code=303)  # the id is hex


def _not_ours(request: Request) -> Response:
    """One answer for an unknown envelope and an altered one: a forger learns nothing from which it was."""
    return message(request, _(CANNOT_OPEN),
                   [_("This envelope was altered or is not one of ours; it cannot be opened."), _(ASK_AGAIN)],
                   status=400)


def _key_not_held(request: Request, error: WrongMasterKey) -> Response:
    logger.error("%s", error)  # names the key id, never a key
    return message(request, _("This envelope cannot be opened here yet"),
                   [_("It is sealed under a master key this server does not hold. Please tell the service's "
                      "administrators, and try again later.")], status=503)
