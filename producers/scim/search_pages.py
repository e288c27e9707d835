"""A page of a SCIM search over resources already read: the filter kept, the sort applied, then startIndex and
count (RFC 7644 §3.4.2), as scim2-models evaluate them."""
from __future__ import annotations

from typing import Any

from scim2_models import Resource, SearchRequest
from scim2_models.path import CompareOperator, Comparison
from scim2_server.storage import SearchPage


def page_of(resources: list[Resource[Any]], search_request: SearchRequest[Any]) -> SearchPage:
    scim_filter = search_request.filter
    matching = search_request.sort(
        resource for resource in resources if scim_filter is None or scim_filter.match(resource))
    start = search_request.start_index_0 or 0
    stop = None if search_request.count is None else start + search_request.count
    return SearchPage(len(matching), matching[start:stop])


def equality(search_request: SearchRequest[Any], attributes: tuple[str, ...]) -> tuple[str, str] | None:
    """(attribute in lower case, value) for a filter `<attribute> eq "…"` on one of `attributes` (lower case),
    which an index finds; None for any other filter, which is evaluated on every resource."""
    scim_filter = search_request.filter
    node = scim_filter.ast if scim_filter is not None else None
    if not isinstance(node, Comparison) or node.op != CompareOperator.eq or not isinstance(node.value, str):
        return None
    attribute = str(node.attr_path).rsplit(":", 1)[-1].lower()
    return (attribute, node.value) if attribute in attributes else None
