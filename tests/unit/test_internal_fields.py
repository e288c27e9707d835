"""Fields the system sets itself (the retry of a pending grant) are not part of what producers may send."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

import pytest
from pydantic import ValidationError

from domain import commands as c
from domain.commands import command_adapter, parse_command
from domain.validation import describe
from producers.services.client import new_command

ALICE = "alice@example.com"


def wire(type_: str, **fields) -> dict:
    return {"type": type_, "id": str(uuid4()), "issued_at": datetime.now(timezone.utc).isoformat(),
            "actor": ALICE, "source": "cli", "correlation_id": "c-1", "account": "1001",
            "email": "carol@example.com", **fields}


def refusal(build) -> str:
    with pytest.raises(ValidationError) as raised:
        build()
    return describe(raised.value)


@pytest.mark.parametrize("type_, extra", [("grant_admin", {}), ("add_member", {"group": "Sales"})])
def test_every_producer_path_refuses_retry_of_naming_the_field(type_, extra):
    pending = uuid4()
    built = [
        lambda: new_command(type_, actor=ALICE, source="api", account="1001", email="carol@example.com",
                            retry_of=pending, **extra),
        lambda: command_adapter.validate_python(wire(type_, retry_of=str(pending), **extra)),
        lambda: parse_command(wire(type_, retry_of=str(pending), **extra)),
    ]
    for build in built:
        message = refusal(build)
        assert message.startswith("retry_of: "), message
        assert "set by the system" in message, message


def test_a_model_built_directly_cannot_carry_retry_of_either():
    with pytest.raises(ValidationError, match="retry_of"):
        c.GrantAdmin(id=uuid4(), issued_at=datetime.now(timezone.utc), actor=ALICE, source="cli",
                     correlation_id="c-1", account="1001", email="carol@example.com", retry_of=uuid4())


def test_the_journalled_copy_and_the_system_keep_retry_of():
    pending = uuid4()
    journalled = parse_command(wire("grant_admin", retry_of=str(pending)), journalled=True)
    assert journalled.retry_of == pending
    # The wire form of an ordinary command says retry_of: null, and that is no request for a retry.
    ordinary = new_command("grant_admin", actor=ALICE, source="cli", account="1001", email="carol@example.com")
    assert parse_command(ordinary.model_dump(mode="json")) == ordinary
