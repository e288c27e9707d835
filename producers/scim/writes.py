"""How SCIM writes: as commands of the key's person with source `scim`, journalled like every producer's, so the
handlers authorize and audit them as any other; SCIM answers with the resource as it stands once they are applied,
so a write applies its commands in the request (producers.services.apply_here) and answers with their outcome, a
refusal as a SCIM error."""
from __future__ import annotations

from pydantic import ValidationError
from scim2_models import PreconditionFailedException, Resource, SCIMException, UniquenessException

from domain.commands import Command
from domain.validation import describe
from languages import reader
from producers.scim.scim_messages import detail
from producers.scim.tenant_context import Tenant, current_tenant
from producers.services.apply_here import AppliedHere
from producers.services.client import Client, new_command
from producers.services.reasons import in_reader_language
from store.reads import queries

APPLY_SECONDS = 30  # how long a write waits for a worker to apply the commands it could not apply itself


class NotApplied(SCIMException):
    status = 503
    scim_type = None


EXISTS = ("user.exists", "group.exists")  # the codes (domain.said) of a refusal because what is made exists
REFUSED = ("rejected", "failed")  # the statuses a write answers as a SCIM error
ANSWERED = ("queued", *REFUSED)  # the statuses whose command is read again, for its reason, to answer


class Refused(SCIMException):
    """A rule of the account refused the change (the handler's reason is the detail)."""

    status = 409
    scim_type = None


def check_version(stored: Resource, expected_version: str | None, kind: str) -> None:
    """A write conditioned on a version (If-Match, or scim2-server's own read before a PATCH) finds it still;
    `kind`: "user" or "group"."""
    if expected_version is not None and stored.meta.version != expected_version:
        raise PreconditionFailedException(detail=detail(current_tenant(), f"scim.version.{kind}",
                                                        version=stored.meta.version))


def command(client: Client, tenant: Tenant, type_: str, **fields) -> Command:
    try:
        return new_command(type_, actor=tenant.actor, source="scim", account=tenant.account, clock=client.clock,
                           **fields)
    except ValidationError as error:
        raise SCIMException(detail=describe(error, reader(tenant.language))) from None


def apply(here: AppliedHere, tenant: Tenant, commands: list[Command], exists_is_conflict: bool = False) -> None:
    """Submit the commands as the key's and apply them; the first refusal raised (`exists_is_conflict`: a refusal
    because what is created exists already is SCIM's uniqueness error)."""
    if not commands:
        return
    statuses = here.apply(commands, api_key_id=tenant.key_id, timeout=APPLY_SECONDS)
    for command in commands:
        if statuses.get(command.id, "queued") not in ANSWERED:  # applied, pending or superseded: the resource says it
            continue
        shown = in_reader_language(queries.command_status(here.client.engine, command.id), tenant.language)
        if shown["status"] == "queued":
            raise NotApplied(detail=detail(tenant, "scim.not_applied", command=command.id, seconds=APPLY_SECONDS))
        if shown["status"] in REFUSED:
            reason = shown["reason"] or shown["status"]
            if exists_is_conflict and shown["reason_code"] in EXISTS:
                raise UniquenessException(detail=reason)
            raise Refused(detail=reason)
