"""GET /v1/events: the outcomes of the key's commands, oldest first, from an opaque cursor on; what callbacks post,
for a caller that pulls instead."""
from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Query

from producers.api.answers import AUTHENTICATED, BAD_CURSOR, EventPage
from producers.api.bearer_token import v1_router
from producers.api.dependencies import ApiClient, CallerScope
from producers.api.echoes import shown
from producers.api.parameters import LARGEST_ID
from producers.api.refusals import refused
from producers.services.api_messages import said
from store.outcome_events import feed

router = v1_router()

DEFAULT_PAGE = 100
MAX_PAGE = 500
_CURSOR_PREFIX = "ev1:"


def cursor_of(seq: int) -> str:
    """The cursor of a position in the feed: base64url, so that callers keep it as it is."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def position_of(cursor: str) -> int:
    """The position a cursor stands for; ValueError if it is none this API gave."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    number = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not number.isascii() or not number.isdigit() \
            or len(number) > 19 or int(number) > LARGEST_ID:
        raise ValueError(said("cursor.event_feed", value=shown(cursor)))
    return int(number)


@router.get("/events", summary="The outcomes of the key's commands, oldest first",
            responses={200: {"model": EventPage}, **AUTHENTICATED, **BAD_CURSOR})
def events(client: ApiClient, scope: CallerScope,
           after: Annotated[str | None, Query(description="the `next` of the page read before; none: from the "
                                                          "first event")] = None,
           limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE):
    """Up to `limit` events after `after`: each status a command of this key took after `queued`, in the JSON its
    callback receives. A support key reads every key's events. `next` is null when no event follows yet; keep the
    last cursor and ask again to poll."""
    try:
        position = position_of(after) if after else None
    except ValueError as e:
        raise refused(422, e.args[0]) from None
    page = feed(client.engine, None if scope.is_support else scope.key_id, position, limit)
    return {"events": [event.as_json() for event in page.events],
            "next": cursor_of(page.last_seq) if page.last_seq is not None else None}
