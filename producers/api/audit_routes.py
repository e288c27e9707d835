"""GET /v1/accounts/{account}/audit: the account's audit trail, newest first, filtered, a page at a time."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pydantic import AwareDatetime

from producers.api.answers import AUTHENTICATED, BAD_PARAMETER, NO_SUCH_ACCOUNT, AuditTrailPage
from producers.api.bearer_token import v1_router
from producers.api.dependencies import ApiClient, CallerScope, existing_account
from producers.api.paging import Cursors, Id, PageRequest
from producers.api.parameters import AccountInPath, AuditCursor
from producers.api.refusals import refused
from producers.services.api_messages import said
from producers.services.audit_filters import audit_filter
from producers.services.reasons import reader_language
from store.reads.audit_trail import AuditFilter, UnknownCursor, audit_page

router = v1_router()
AUDIT = Cursors("audit", AwareDatetime, Id)


def wanted_entries(client: ApiClient, actor: str = "", action: str = "", since: str = "") -> AuditFilter:
    """The filter the query asks for (a blank value filters nothing); 422 for a `since` that is no time."""
    try:
        return audit_filter(actor, action, since, client.clock.now())
    except ValueError as e:
        raise refused(422, said("field.problem", field=said("text", text="since"), problem=e.args[0])) from None


@router.get("/accounts/{account}/audit", summary="An account's audit trail, a page at a time",
            responses={200: {"model": AuditTrailPage}, **AUTHENTICATED, **NO_SUCH_ACCOUNT, **BAD_PARAMETER})
def audit_trail(request: Request, account: AccountInPath, client: ApiClient, scope: CallerScope,
                wanted: Annotated[AuditFilter, Depends(wanted_entries)],
                page: Annotated[PageRequest, Depends(AUDIT.request)],
                older: AuditCursor = None):
    """A page of the trail, newest first, filtered by `actor`, `action` and `since`; each detail in the language of
    Accept-Language."""
    # The account is looked up once the query is known good: a bad parameter is named before an unknown account.
    account = existing_account(account, client, scope)
    try:
        shown = audit_page(client.engine, account, wanted, older=older, after=page.after, size=page.size)
    except UnknownCursor:
        raise refused(422, said("cursor.audit_entry", entry=older, account=account)) from None
    last = shown.entries[-1] if shown.entries else None
    language = reader_language(request)
    return {"account": account, "items": [entry.in_language(language).as_dict() for entry in shown.entries],
            "next": AUDIT.cursor((last.at, last.id) if last and shown.older is not None else None)}
