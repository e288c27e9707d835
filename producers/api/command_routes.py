"""POST /v1/commands submits commands, as the CLI does: journalled in the store, then published; GET
/v1/commands/{id} reads one's status, GET /v1/commands the key's commands, newest first."""
from __future__ import annotations

import logging
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from pydantic import AwareDatetime
from starlette.concurrency import run_in_threadpool

from domain.api_keys import KeyScope
from producers.api.answers import (
    AUTHENTICATED,
    BAD_PARAMETER,
    NO_SUCH_COMMAND,
    REPLAYED_HEADER,
    SUBMISSION,
    Accepted,
    CommandList,
    CommandState,
)
from producers.api.bearer_token import v1_router
from producers.api.command_body import items_of, parsed_body, valid_commands
from producers.api.dependencies import ApiClient, CallerScope
from producers.api.idempotency_header import answered, idempotency_key
from producers.api.openapi_document import submission_body
from producers.api.paging import Cursors, PageRequest
from producers.api.refusals import refused
from producers.services.api_messages import said
from producers.services.client import Client
from producers.services.idempotent_submission import Answer, Refusal, accepted, fingerprint, owner_of, submit_once
from producers.services.reasons import in_reader_language, reader_language
from store.reads import queries
from store.reads.key_commands import key_commands_page

logger = logging.getLogger(__name__)

router = v1_router()
COMMANDS = Cursors("commands", AwareDatetime, UUID)


@router.post("/commands", status_code=202, summary="Submit commands",
             responses={202: {"model": Accepted, "headers": REPLAYED_HEADER}, **AUTHENTICATED, **SUBMISSION},
             openapi_extra=submission_body())
async def submit_commands(request: Request, client: ApiClient, scope: CallerScope):
    """One command object, or {"commands": [...]} (at most 1000): all accepted, or none. The body is read here,
    after the key is checked: a caller without one never gets its body read. Each command must be on an account
    of the key and act as its person (403 otherwise, nothing journalled). With an Idempotency-Key, a retry gets
    the first answer again (producers.services.idempotent_submission)."""
    payload = parsed_body(await request.body())
    return await submit_items(request, client, scope, items_of(payload), payload)


async def submit_items(request: Request, client: Client, scope: KeyScope, items: list, payload: object):
    """Submit the command objects as POST /v1/commands does, with its Idempotency-Key semantics over `payload`."""
    key = idempotency_key(request)
    if key is None:
        return await run_in_threadpool(_submit, client, items, scope)
    return answered(await run_in_threadpool(_submit_once, client, items, scope, key, fingerprint(payload)))


@router.get("/commands", summary="The commands the key submitted, newest first, a page at a time",
            responses={200: {"model": CommandList}, **AUTHENTICATED, **BAD_PARAMETER})
def list_commands(request: Request, client: ApiClient, scope: CallerScope,
                  page: Annotated[PageRequest, Depends(COMMANDS.request)]):
    """Each as GET /v1/commands/{id} tells it, with when it was submitted; the shared ENVADMIN_API_TOKEN, which
    is no key, lists the commands it submitted."""
    found = key_commands_page(client.engine, scope.key_id, page.after, page.size)
    language = reader_language(request)
    return {"items": [in_reader_language(item, language) for item in found.items],
            "next": COMMANDS.cursor(found.next)}


@router.get("/commands/{command_id}", summary="A command's status and outcome",
            responses={200: {"model": CommandState}, **AUTHENTICATED, **NO_SUCH_COMMAND, **BAD_PARAMETER})
def command_status(request: Request, command_id: UUID, client: ApiClient, scope: CallerScope):
    """A command's status, its reason in the language of Accept-Language; 404 for a command of an account the key
    does not cover, as for none."""
    found = queries.command_status(client.engine, command_id)
    if found is None or not scope.covers(found["account"]):
        raise refused(404, said("command.unknown", command=command_id))
    return in_reader_language(found, reader_language(request))


def _submit(client: Client, items: list, scope: KeyScope) -> dict:
    commands = valid_commands(items, client.clock, scope)
    receipt = client.submit(commands, api_key_id=scope.key_id)
    if not receipt.published:
        _not_published(len(commands))
    return accepted(receipt.ids, receipt.published)


def _submit_once(client: Client, items: list, scope: KeyScope, key: str, body_fingerprint: str) -> Answer | Refusal:
    result = submit_once(client, owner_of(scope), key, body_fingerprint,
                         lambda: valid_commands(items, client.clock, scope), api_key_id=scope.key_id)
    if isinstance(result, Answer) and not result.replayed and not result.body["published"]:
        _not_published(len(result.body["commands"]))
    return result


def _not_published(count: int) -> None:
    logger.warning("The broker did not take %d commands now; the relay will publish them.", count)
