"""What an upstream system learns of its commands' outcomes, pushed to it (callbacks) or published to it (reply_to):
each event counted by its event id, each command's outcomes in the order they came, and when the last came."""
from __future__ import annotations

from collections import Counter

from domain.clock import SYSTEM_CLOCK

FINAL_STATUSES = ("applied", "pending", "rejected", "failed", "superseded", "expired")


class OutcomeTally:
    """Deliveries of outcome events, deduplicated by event id as a receiver should."""

    def __init__(self) -> None:
        self.deliveries = 0
        self.events: Counter[str] = Counter()
        self.outcomes: dict[str, list[str]] = {}  # command id: the statuses of its distinct events
        self.first_at: float | None = None
        self.last_at: float | None = None  # wall time of the last event not seen before

    def record(self, event: dict) -> bool:
        """One delivery of an event (the callbacks' JSON); whether its event id is new."""
        self.deliveries += 1
        event_id = str(event.get("event_id"))
        self.events[event_id] += 1
        if self.events[event_id] > 1:
            return False
        now = SYSTEM_CLOCK.now().timestamp()
        self.first_at = self.first_at or now
        self.last_at = now
        self.outcomes.setdefault(str(event.get("id")), []).append(str(event.get("status")))
        return True

    def counts(self) -> dict:
        """Cheap to take while deliveries go on."""
        return {"deliveries": self.deliveries, "events": len(self.events), "commands": len(self.outcomes),
                "duplicates": self.deliveries - len(self.events), "first_at": self.first_at, "last_at": self.last_at}

    def figures(self) -> dict:
        """Everything, to check the run against what was submitted."""
        return {**self.counts(), "outcomes": self.outcomes,
                "events_delivered_more_than_once": sum(1 for n in self.events.values() if n > 1)}
