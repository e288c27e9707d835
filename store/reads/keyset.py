"""Keyset pages: a list read in a fixed order, each page starting strictly after the sort key of the last row of
the page before it; never an offset, which reads and drops every row before the page.

A sort key is a tuple of column values, unique within the list. A read asks for one row more than the page
holds: its presence says whether another page follows.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, or_

Item = TypeVar("Item")
SortKey = tuple[Any, ...]


@dataclass(frozen=True)
class KeysetPage(Generic[Item]):
    """The items of a page, and the sort key of its last item when another page follows (None: the last)."""

    items: list[Item]
    next: SortKey | None


def beyond(columns: Sequence[ColumnElement], key: SortKey, descending: bool = False) -> ColumnElement[bool]:
    """The rows after `key` in the order of `columns` (all ascending, or all descending)."""
    first, value = columns[0], key[0]
    if len(columns) == 1:
        return first < value if descending else first > value
    # `first <= value` alone is what an index on the columns can seek on; the rest drops the ties already shown.
    reached = first <= value if descending else first >= value
    past = first < value if descending else first > value
    return and_(reached, or_(past, and_(first == value, beyond(columns[1:], key[1:], descending))))


def page_of(rows: Sequence[Item], size: int, key: Callable[[Item], SortKey]) -> KeysetPage[Item]:
    """The page of a read of up to `size + 1` rows."""
    items = list(rows[:size])
    return KeysetPage(items, key(items[-1]) if len(rows) > size and items else None)
