"""POST /v1/commands submits commands, as the CLI does: journalled in the store, then published; GET
/v1/commands/{id} reads one's status."""
from __future__ import annotations

import logging
from uuid import UUID

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from domain.api_keys import KeyScope
from domain.states import CommandStatus
from producers.api.answers import AUTHENTICATED, BAD_PARAMETER, NO_SUCH_COMMAND, SUBMISSION, Accepted, CommandState
from producers.api.bearer_token import v1_router
from producers.api.command_body import command_items, valid_commands
from producers.api.dependencies import ApiClient, CallerScope
from producers.api.openapi_document import submission_body
from producers.api.refusals import refused
from producers.services.client import Client
from store.reads import queries

logger = logging.getLogger(__name__)

router = v1_router()


@router.post("/commands", status_code=202, summary="Submit commands",
             responses={202: {"model": Accepted}, **AUTHENTICATED, **SUBMISSION}, openapi_extra=submission_body())
async def submit_commands(request: Request, client: ApiClient, scope: CallerScope):
    """One command object, or {"commands": [...]} (at most 1000): all accepted, or none. The body is read here,
    after the key is checked: a caller without one never gets its body read. Each command must be on an account
    of the key and act as its person (403 otherwise, nothing journalled)."""
    items = command_items(await request.body())
    return await run_in_threadpool(_submit, client, items, scope)


@router.get("/commands/{command_id}", summary="A command's status and outcome",
            responses={200: {"model": CommandState}, **AUTHENTICATED, **NO_SUCH_COMMAND, **BAD_PARAMETER})
def command_status(command_id: UUID, client: ApiClient, scope: CallerScope):
    """A command's status; 404 for a command of an account the key does not cover, as for none."""
    found = queries.command_status(client.engine, command_id)
    if found is None or not scope.covers(found["account"]):
        raise refused(404, f"no command {command_id}")
    return found


def _submit(client: Client, items: list, scope: KeyScope) -> dict:
    commands = valid_commands(items, client.clock, scope)
    receipt = client.submit(commands, api_key_id=scope.key_id)
    if not receipt.published:
        logger.warning("The broker did not take %d commands now; the relay will publish them.", len(commands))
    return {"commands": [{"id": str(i), "status": CommandStatus.QUEUED, "reason": None} for i in receipt.ids],
            "published": receipt.published}
