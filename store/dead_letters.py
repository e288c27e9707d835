"""Replaying a dead letter, as Amazon SQS redrives: its failed command goes back to `queued` with a fresh
attempt budget, to be published again; the replay is audited and marked on the dead letter.

Exactly once still holds: only a `failed` command is put back (compare-and-set on its status, its row locked),
so a second replay finds it queued or applied and is refused; and a copy of its message still in flight meets
the same claim and status lock as every delivery, so whichever copy comes first applies it and the others find
it leased or applied.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update

from domain import events as ev
from domain.masking import without_hashes
from domain.said import MESSAGES, Said, kept, said
from domain.states import CommandStatus
from store.tables import audit_log, commands, dead_letters


@dataclass(frozen=True)
class Replay:
    """What became of one dead letter: its command put back in the queue (and its payload to publish), or why not."""

    letter_id: int
    replayed: bool
    reason: Said
    payload: dict | None = None  # the command log's copy: the one a worker applies


def replay(conn: Connection, letter_id: int, actor: str, source: str, now: datetime) -> Replay:
    """Put the dead letter's failed command back to `queued`, or say why it holds none; the caller commits."""
    letter = conn.execute(select(dead_letters.c.command_id, dead_letters.c.reason, dead_letters.c.reason_said)
                          .where(dead_letters.c.id == letter_id).with_for_update()).first()
    if letter is None:
        return Replay(letter_id, False, said("replay.no_letter", number=letter_id))
    if letter.command_id is None:
        reason = kept(letter.reason_said, without_hashes(letter.reason))
        return Replay(letter_id, False, said("replay.no_command", reason=reason))
    command_id = letter.command_id
    command = conn.execute(
        update(commands).where(commands.c.id == command_id, commands.c.status == CommandStatus.FAILED)
        .values(status=CommandStatus.QUEUED, attempts=0, deferrals=0, reason=None, reason_said=None, finished_at=None,
                lease_until=None, published_at=now)  # sent now: the relay sends it again only if this publish is lost
        .returning(commands.c.payload, commands.c.type, commands.c.account)).first()
    if command is None:
        status = conn.execute(select(commands.c.status).where(commands.c.id == command_id)).scalar()
        if status is None:
            return Replay(letter_id, False, said("replay.not_in_log", command=str(command_id)))
        return Replay(letter_id, False, said("replay.not_failed", command=str(command_id), status=_status(status)))
    conn.execute(update(dead_letters).where(dead_letters.c.id == letter_id)
                 .values(replayed_at=now, replayed_by=actor))
    conn.execute(insert(audit_log).values(
        at=now, actor=actor, action=ev.CommandReplayed.action, target=command.type, account=command.account,
        command_id=command_id, source=source,
        detail=f"dead letter #{letter_id} replayed: back in the queue with a fresh attempt budget "
               f"(it was dead-lettered: {letter.reason})"))
    return Replay(letter_id, True, said("replay.queued", command=str(command_id), type=command.type), command.payload)


def _status(status: str) -> Said:
    """The command's status as a message of its own, named in each reader's language; its code keeps the stored
    reason readable whatever the language it is read in later."""
    code = f"command.status.{status}"
    return said(code) if code in MESSAGES else said("text", text=str(status))


def not_replayed(engine: Engine, since: datetime | None = None) -> list[int]:
    """The ids of the dead letters never replayed (at or after `since`), oldest first."""
    query = select(dead_letters.c.id).where(dead_letters.c.replayed_at.is_(None)).order_by(dead_letters.c.id)
    if since is not None:
        query = query.where(dead_letters.c.at >= since)
    with engine.connect().execution_options(readonly=True) as conn:
        return list(conn.execute(query).scalars())
