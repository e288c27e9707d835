"""The Idempotency-Key header of POST /v1/commands, in HTTP's terms: read from the request (400 if malformed),
and the submission's answer or refusal as a response (producers.services.idempotent_submission decides which)."""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from producers.api.refusals import refused
from producers.services.api_messages import said
from producers.services.idempotent_submission import Answer, Refusal, checked_key

IDEMPOTENCY_KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


def idempotency_key(request: Request) -> str | None:
    """The request's Idempotency-Key, None without one; 400 naming the header if it is malformed or repeated."""
    given = request.headers.getlist(IDEMPOTENCY_KEY)
    if not given:
        return None
    if len(given) > 1:
        raise refused(400, said("idempotency.repeated", header=IDEMPOTENCY_KEY, count=len(given)))
    try:
        return checked_key(given[0], IDEMPOTENCY_KEY)
    except ValueError as e:
        raise refused(400, e.args[0]) from None


def answered(result: Answer | Refusal) -> JSONResponse:
    """The answer, marked `Idempotent-Replayed: true` when it is a key's first answer given again; a refusal is
    raised, with Retry-After when the key's first request is in flight."""
    if isinstance(result, Refusal):
        headers = {"Retry-After": str(result.retry_after)} if result.retry_after is not None else None
        raise refused(result.status, result.message, headers)
    return JSONResponse(result.body, status_code=result.status,
                        headers={REPLAYED: "true"} if result.replayed else None)
