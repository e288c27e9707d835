"""The API's typed path and query parameters, and what a request with a bad value of one is told.

FastAPI reads and checks them; `told` words its complaints the API's way ("limit: expected from 1 to 500, not
'0'"), naming the parameter and echoing a bounded part of the value. A parameter's name means one thing across
the API, so its message is keyed by the name. Each query parameter takes one value: a blank one is a bad value,
not an absent one, and one given twice is refused (producers/api/query_values.py).
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import Field

from domain.field_messages import field_label
from domain.validation import what_is_wrong
from producers.api.echoes import shown
from producers.services.api_messages import said

MAX_PAGE = 500  # items of a list per page, at most
PAGE_SIZE = 50  # items of a list per page when the request does not say
LARGEST_ID = 2**63 - 1  # the largest id a store's 64-bit column holds


def _whole_number(most: int, **query: Any) -> Any:
    return Annotated[Annotated[int, Field(ge=1, le=most)] | None, Query(**query)]


AccountInPath = Annotated[str, Path(pattern=r"^[0-9]{1,12}$", description="the account number", examples=["1001"])]
PageSize = _whole_number(MAX_PAGE, description=f"items per page, 1 to {MAX_PAGE}; {PAGE_SIZE} unless given")
# The audit trail's first cursor, kept for the clients that use it.
AuditCursor = _whole_number(LARGEST_ID, deprecated=True,
                            description="the id of the entry a page goes on after; use `after` instead")

_TOLD = {
    "account": lambda value: said("field.problem", field=field_label("account"),
                                  problem=said("account.malformed", value=shown(value))),
    "command_id": lambda value: said("query.command_id", value=shown(value)),
    "limit": lambda value: said("query.limit", maximum=MAX_PAGE, value=shown(value)),
    "after": lambda value: said("query.after", value=shown(value)),
    "older": lambda value: said("query.older", value=shown(value)),
}


def told(problems: list[dict]) -> list[dict]:
    """The API's error messages for FastAPI's validation problems with a request's parameters, in their order."""
    messages = []
    for problem in problems:
        name = str(problem["loc"][-1])
        tell = _TOLD.get(name)
        messages.append({"message": tell(problem.get("input")) if tell else
                         said("field.problem", field=said("text", text=name), problem=what_is_wrong(problem))})
    return messages
