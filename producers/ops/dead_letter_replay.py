"""Replaying dead letters from the producer's side: what `envadmin dead-letters replay` and the ops dashboard's
replay button call. Each dead letter is replayed in a transaction of its own, then the commands put back are
published, as a submit publishes: after the commit, and left to the relay if the broker cannot take them."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from domain.said import Said, said
from domain.text import EMAIL_MAX, require_visible
from messaging.broker import publish_batch
from producers.services.client import Client
from store import dead_letters
from store.dead_letters import Replay


@dataclass(frozen=True)
class ReplayOutcome:
    """What became of one dead letter asked to be replayed: replayed, or the reason it was refused."""

    id: int
    replayed: bool
    reason: Said  # English as a str; in another language through domain.said

    def as_dict(self) -> dict:
        return asdict(self)


def replay_dead_letters(client: Client, ids: list[int], actor: str, *, source: str = "web") -> list[ReplayOutcome]:
    """Replay each dead letter named, in order; the others still replay when one is refused. ValueError for an
    actor that is blank, too long or holds a control character."""
    actor = _checked_actor(actor)
    now = client.clock.now()
    replays = []
    for letter_id in ids:
        with client.engine.connect() as conn:
            replays.append(dead_letters.replay(conn, letter_id, actor, source, now))
            conn.commit()
    return _published(client, replays)


def replay_all_dead_letters(client: Client, actor: str, since: datetime | None = None, *,
                            source: str = "web") -> list[ReplayOutcome]:
    """Replay every dead letter not replayed yet (only those since `since`, if given), oldest first; those that
    hold no replayable command are refused with their reason, as by replay_dead_letters."""
    return replay_dead_letters(client, dead_letters.not_replayed(client.engine, since), actor, source=source)


def _published(client: Client, replays: list[Replay]) -> list[ReplayOutcome]:
    """Publish the replayed commands in batches; a batch the broker does not take is left to the relay."""
    payloads = [r.payload for r in replays if r.replayed]
    size = client.settings.publish_batch
    left: set[str] = set()
    for start in range(0, len(payloads), size):
        batch = payloads[start:start + size]
        if not publish_batch(client.celery, client.settings.queue, batch, clock=client.clock):
            left.update(payload["id"] for payload in batch)
    return [ReplayOutcome(r.letter_id, r.replayed, _left_to_the_relay(r) if r.replayed and r.payload["id"] in left
                          else r.reason) for r in replays]


def _left_to_the_relay(replay: Replay) -> Said:
    return said("replay.queued.left_to_relay", **replay.reason.sentences[0][1])


def _checked_actor(actor: str) -> str:
    try:
        actor = require_visible(actor).strip()
    except ValueError as e:
        raise ValueError(f"who replays {e}") from None
    if not actor or len(actor) > EMAIL_MAX:
        raise ValueError(f"who replays must be named in 1 to {EMAIL_MAX} characters")
    return actor
