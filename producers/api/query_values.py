"""Each query parameter of the API takes one value: a request that gives one twice is refused, naming it, rather
than one of its values guessed at (frameworks differ on which one they keep)."""
from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant

from producers.api.refusals import Refused
from producers.services.api_messages import said


def one_value_each(request: Request) -> None:
    """Refuse a request that gives a query parameter of its route more than once (a dependency of every /v1
    route, after the key check)."""
    route = request.scope.get("route")
    names = _query_names(route.dependant) if route is not None else set()
    counts = {name: len(request.query_params.getlist(name)) for name in sorted(names)}
    repeated = [{"message": said("query.repeated", name=name, count=count)} for name, count in counts.items()
                if count > 1]
    if repeated:
        raise Refused(422, repeated)


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route takes, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names
