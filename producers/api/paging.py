"""How every list of the API pages: `?limit=N&after=CURSOR`, answered with `{"items": [...], "next": CURSOR}`.

`limit` is 1 to 500 (50 unless given). `after` is the `next` of the previous answer; `next` is null on the last
page. A cursor is opaque to clients: the unpadded base64url of the JSON array `[list, *sort key]`, the sort key of
the last item shown, from which the store reads the next keyset page (store.reads.keyset). A cursor of another
list, or one that is not a cursor at all, is refused with 422 naming the parameter.

A list declares its cursors once, with the types of its sort key, and takes its page request as a dependency:

    EVENTS = Cursors("events", Id)  # sort key types: Text, Id, pydantic's AwareDatetime, UUID
    def list_events(page: Annotated[PageRequest, Depends(EVENTS.request)]): ...
        found = read(after=page.after, size=page.size)
        return {"items": ..., "next": EVENTS.cursor(found.next)}
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import AfterValidator, Field, TypeAdapter, ValidationError

from producers.api.parameters import LARGEST_ID, PAGE_SIZE, PageSize
from producers.api.refusals import refused
from producers.services.api_messages import said
from store.reads.keyset import SortKey

MAX_CURSOR = 1024  # characters of a cursor: far more than any sort key needs
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def _storable(text: str) -> str:
    if "\x00" in text:  # no store keeps it, and PostgreSQL refuses it outright
        raise ValueError("NUL in a sort key")
    return text


Text = Annotated[str, Field(max_length=254), AfterValidator(_storable)]  # an email key, a group key
Id = Annotated[int, Field(ge=1, le=LARGEST_ID)]  # a row's id

_CursorText = Annotated[str, Field(min_length=1, max_length=MAX_CURSOR, pattern=_BASE64URL.pattern)]
After = Annotated[_CursorText | None, Query(description="The `next` of the previous page; not given: the first page")]


@dataclass(frozen=True)
class PageRequest:
    """Which page a request asks for: after this sort key (None: the first page), at most `size` items."""

    after: SortKey | None
    size: int


class Cursors:
    """The cursors of one list: `name` tells them from another list's, `key` are the types of its sort key."""

    def __init__(self, name: str, *key: Any):
        self.name = name
        self._key = TypeAdapter(tuple[(Literal[name], *key)])  # type: ignore[misc]

    def cursor(self, key: SortKey | None) -> str | None:
        """The cursor of the page after the item whose sort key is `key`; None for none."""
        if key is None:
            return None
        return base64.urlsafe_b64encode(self._key.dump_json((self.name, *key))).rstrip(b"=").decode()

    def position(self, cursor: str | None, parameter: str = "after") -> SortKey | None:
        """The sort key a cursor carries; None for no cursor; a 422 refusal naming `parameter` if it is none of
        this list's."""
        if cursor is None:
            return None
        try:
            if not _BASE64URL.fullmatch(cursor):
                raise ValueError("not base64url")
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            _, *key = self._key.validate_json(raw)
            key = [value.astimezone(timezone.utc) if isinstance(value, datetime) else value for value in key]
        except (ValueError, OverflowError, binascii.Error, ValidationError):
            raise refused(422, said("cursor.other_list", parameter=parameter, list=self.name)) from None
        return tuple(key)

    def request(self, limit: PageSize = None, after: After = None) -> PageRequest:
        """The page a request's `limit` and `after` ask for (a FastAPI dependency)."""
        return PageRequest(self.position(after), limit or PAGE_SIZE)

