"""GET /v1/status: what `envadmin status --json` tells, to upstream systems."""
from __future__ import annotations

from producers.api.answers import AUTHENTICATED, ServiceStatus
from producers.api.bearer_token import v1_router
from producers.api.dependencies import ApiClient, CallerScope
from store.reads import queries

router = v1_router()


@router.get("/status", summary="The queue, commands by status, dead letters",
            responses={200: {"model": ServiceStatus}, **AUTHENTICATED})
def status(client: ApiClient, scope: CallerScope):
    """The queue's depth (None: the broker does not answer), commands by status, dead letters; an account key
    counts only its accounts' commands and dead letters (the queue is one for all, and holds no data)."""
    return {"queue": client.settings.queue, "queue_depth": client.queue_depth(),
            "commands": queries.status_counts(client.engine, scope.accounts),
            "dead_letters": queries.dead_letter_count(client.engine, scope.accounts)}
