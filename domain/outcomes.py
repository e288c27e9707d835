"""Outcome events: what an API key's caller is told of each of its commands, posted to its callback and read from
GET /v1/events, the same JSON either way.

Each status a command takes after `queued` is one event, `command.<status>`; a pending grant has a second one
(`command.applied`, `command.expired`, ...) when its invitee registers or its invite ends. `event_id` is the event's
own id (a delivery's `webhook-id`, the same on each retry); `id` is the command's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.states import CommandStatus

EVENT_TYPES = tuple(f"command.{status}" for status in CommandStatus if status != CommandStatus.QUEUED)


def event_type(status: str) -> str:
    """The event a command's new status is: `command.applied` for `applied`; ValueError for `queued`, no outcome."""
    kind = f"command.{CommandStatus(status)}"
    if kind not in EVENT_TYPES:
        raise ValueError(f"{status} is no outcome")
    return kind


@dataclass(frozen=True)
class OutcomeEvent:
    """One outcome of one command, as the store keeps it."""

    event_id: UUID
    command_id: UUID
    account: str
    command_type: str
    status: str
    reason: str | None
    occurred_at: datetime
    reason_code: str | None = None  # the reason's stable code (domain.said); None for a reason without one

    @property
    def type(self) -> str:
        return event_type(self.status)

    def as_json(self) -> dict:
        """The callback's body and the feed's item."""
        return {"type": self.type, "id": str(self.command_id), "account": self.account, "status": self.status,
                "reason": self.reason, "reason_code": self.reason_code, "command_type": self.command_type, "event_id": str(self.event_id),
                "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z")}
