"""The command log in the store: the outbox producers write first, and the journal of each command's status.

Every status a command takes after `queued` is written here, and with it, in the same transaction, the outcome
event of a command an API key submitted (store.outcome_events)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection, Text, and_, cast, insert, literal_column, or_, select, text, true, update

from domain.commands import AddMember, Command, GrantAdmin
from domain.issued_span import IssuedSpan
from domain.model import ADMIN_GROUP_KEY, email_key, group_key
from domain.said import Said
from domain.states import CommandStatus, GrantStatus
from domain.unit_of_work_port import Claim, CommandLog, JobPlace
from store.bulk_sql import among, insert_rows, payload_of, plan_as_key_lookups, update_rows
from store.outcome_events import record_outcomes
from store.said_json import said_json
from store.tables import LAST_SENT_SQL, PREREQUISITE_SQL, UTCDateTime, commands, dead_letters, pending_grants


class SqlCommandLog(CommandLog):
    """Writes to the command log and dead letters through one connection; the relay's scans besides the port."""

    def __init__(self, connection: Connection):
        self.conn = connection
        self.new_delivery_ids: list[int] = []  # outcome deliveries this transaction wrote, to send once it commits

    def record_submitted(self, batch: list[Command], now: datetime, api_key_id: str | None = None) -> None:
        insert_rows(self.conn, commands, [{
            "id": cmd.id, "type": cmd.type, "account": cmd.account, "actor": cmd.actor,
            "source": cmd.source, "correlation_id": cmd.correlation_id, "issued_at": cmd.issued_at,
            "payload": payload_of(cmd, self.conn), "status": CommandStatus.QUEUED, "attempts": 0,
            "position": position, "submitted_at": now, "api_key_id": api_key_id,
        } for position, cmd in enumerate(batch)])

    def mark_published(self, ids: list[UUID], now: datetime, issued: IssuedSpan | None = None) -> None:
        self.conn.execute(update(commands).where(among(self.conn, commands.c.id, ids), _within(issued),
                                                 commands.c.status == CommandStatus.QUEUED)
                          .values(published_at=now))

    def claim(self, ids: list[UUID], now: datetime, lease: timedelta,
              issued: IssuedSpan | None = None) -> dict[UUID, Claim]:
        """Lease the queued commands no other worker holds, counting one attempt on each; `issued`, the span of
        their issue times as the message says, limits the claim to the months it covers.

        Rows another transaction has locked are skipped, not waited for: their applier is at work.
        A copy of a message arriving meanwhile finds them leased and counts no attempt.
        """
        # A CTE, and the status tested on its rows: in the WHERE of a locking query, the status condition can
        # make PostgreSQL scan every queued row of the status index.
        locked = (select(commands.c.id, commands.c.status, commands.c.lease_until)
                  .where(among(self.conn, commands.c.id, ids), _within(issued))
                  .with_for_update(skip_locked=True).cte("locked"))
        taken = self.conn.execute(
            update(commands).where(commands.c.id == locked.c.id, _within(issued),
                                   locked.c.status == CommandStatus.QUEUED,
                                   or_(locked.c.lease_until.is_(None), locked.c.lease_until <= now))
            .values(attempts=commands.c.attempts + 1, lease_until=now + lease)
            # The payload as the text it is stored as: the worker validates it from JSON in one step.
            .returning(commands.c.id, commands.c.attempts, cast(commands.c.payload, Text).label("payload"),
                       commands.c.job_id,
                       commands.c.job_line, commands.c.account, commands.c.subject, commands.c.deferrals)).all()
        claims = {row.id: Claim(CommandStatus.QUEUED, row.attempts, row.payload,
                                JobPlace(row.job_id, row.job_line, row.account, row.subject) if row.job_id else None,
                                row.deferrals)
                  for row in taken}
        others = [command_id for command_id in ids if command_id not in claims]
        # Finished, or leased: read as they are, without waiting for a lock. Not bounded: a command whose message
        # misstated its issue time is found here, and left for the relay to send again from the journal.
        if others:
            for row in self.conn.execute(select(commands.c.id, commands.c.status, commands.c.attempts)
                                         .where(among(self.conn, commands.c.id, others))):
                status = CommandStatus(row.status)
                claims[row.id] = Claim(status, row.attempts, leased=status == CommandStatus.QUEUED)
        return claims

    def waiting_on_earlier_rows(self, places: dict[UUID, JobPlace]) -> set[UUID]:
        """Of these job commands, those an earlier row of their job must precede and has not yet: a queued
        create_account of their account, or a queued create_account or add_user of the email they are about.

        Rows that only share an account do not wait for each other: 100,000 add_user rows of 1,000 accounts
        would otherwise take turns message by message."""
        waiting: set[UUID] = set()
        for job_id in {place.job_id for place in places.values()}:
            later = {command_id: place for command_id, place in places.items() if place.job_id == job_id}
            # The predicate of the partial index ix_commands_job_prerequisites, which holds only these rows.
            # Only the rows these could wait for: the in-flight rows of other messages are many, and all queued.
            accounts = {place.account for place in later.values()}
            subjects = {place.subject for place in later.values() if place.subject is not None}
            earlier = self.conn.execute(
                select(commands.c.job_line, commands.c.type, commands.c.account, commands.c.subject).where(
                    commands.c.job_id == job_id, text(PREREQUISITE_SQL),
                    commands.c.job_line < max(place.line for place in later.values()),
                    or_(and_(commands.c.type == "create_account", among(self.conn, commands.c.account, accounts)),
                        among(self.conn, commands.c.subject, subjects)),
                    ~among(self.conn, commands.c.id, list(places)))).all()
            creates_account = _first_lines((row.account, row.job_line) for row in earlier
                                           if row.type == "create_account")
            creates_user = _first_lines((row.subject, row.job_line) for row in earlier if row.subject is not None)
            for command_id, place in later.items():
                if creates_account.get(place.account, place.line) < place.line or \
                        (place.subject is not None and creates_user.get(place.subject, place.line) < place.line):
                    waiting.add(command_id)
        return waiting

    def release(self, ids: list[UUID], issued: IssuedSpan | None = None) -> None:
        """Give back claims not used: no lease, and the attempt they counted is taken back."""
        self.conn.execute(update(commands).where(among(self.conn, commands.c.id, ids), _within(issued),
                                                 commands.c.status == CommandStatus.QUEUED)
                          .values(attempts=commands.c.attempts - 1, lease_until=None))

    def defer(self, ids: list[UUID], now: datetime, until: datetime, issued: IssuedSpan | None = None) -> None:
        """Send claimed commands back to wait: the attempt taken back, and a lease until the copy sent again
        arrives, so the relay does not take them for lost meanwhile."""
        self.conn.execute(update(commands).where(among(self.conn, commands.c.id, ids), _within(issued),
                                                 commands.c.status == CommandStatus.QUEUED)
                          .values(attempts=commands.c.attempts - 1, lease_until=until, published_at=now,
                                  deferrals=commands.c.deferrals + 1))

    def lock_status(self, command_id: UUID, issued_at: datetime | None = None) -> CommandStatus | None:
        """The command's status, locked until the transaction ends (one applier at a time)."""
        status = self.conn.execute(select(commands.c.status).where(commands.c.id == command_id,
                                                                   _within(IssuedSpan.of([issued_at])))
                                   .with_for_update()).scalar()
        return CommandStatus(status) if status is not None else None

    def finish_queued(self, results: list[dict]) -> bool:
        """Each {"id", "issued_at", "status", "reason", "finished_at"} ("issued_at" may be left out), in one statement, on the commands still queued; False
        (and the caller rolls back) if any is not: another worker finished it meanwhile.

        No lock is taken before: the claim leased these commands to this worker, and a copy applied elsewhere
        (its lease ran out) holds the same accounts' locks. If it committed first, this update finds the status
        changed, after waiting for its row if need be."""
        plan_as_key_lookups(self.conn)  # the chunk's transaction reads by key already; said here too
        pg = self.conn.dialect.name == "postgresql"
        issued = IssuedSpan.of(result.get("issued_at") for result in results)
        results = [{**{name: value for name, value in result.items() if name != "issued_at"},
                    **_reason_columns(result["reason"], as_text=pg)} for result in results]
        if update_rows(self.conn, commands, "id", results, only_if=("status", CommandStatus.QUEUED),
                       between=_between(issued)) != len(results):
            return False
        if results:
            self.new_delivery_ids += record_outcomes(self.conn, [result["id"] for result in results],
                                                     results[0]["finished_at"], issued)
        return True

    def finish(self, command_id: UUID, status: CommandStatus, reason: Said | str | None, now: datetime,
               issued_at: datetime | None = None) -> None:
        keyed = self.conn.execute(update(commands).where(commands.c.id == command_id,
                                                         _within(IssuedSpan.of([issued_at])))
                                  .values(status=status, finished_at=now, **_reason_columns(reason))
                                  .returning(commands.c.api_key_id)).scalar()
        if keyed is not None:  # the CLI's, the console's and jobs' commands cost no read more
            self.new_delivery_ids += record_outcomes(self.conn, [command_id], now)

    def settle_pending(self, retry: GrantAdmin | AddMember, status: CommandStatus, reason: Said, now: datetime) -> bool:
        """A pending grant's command takes the result of the grant retried for it; False if `retry` is no
        retry of it: the pending command must be of the same account, and its pending grant, of the same
        email and group, must be one the system retried."""
        group = ADMIN_GROUP_KEY if isinstance(retry, GrantAdmin) else group_key(retry.group)
        retried = select(pending_grants.c.id).where(
            pending_grants.c.email_key == email_key(retry.email), pending_grants.c.status == GrantStatus.RETRIED,
            pending_grants.c.command_id == retry.retry_of, pending_grants.c.account == retry.account,
            pending_grants.c.group_key == group).exists()
        settled = self.conn.execute(update(commands).where(
            commands.c.id == retry.retry_of, commands.c.status == CommandStatus.PENDING,
            commands.c.account == retry.account,
            retried).values(status=status, finished_at=now, **_reason_columns(reason))
            .returning(commands.c.api_key_id)).all()
        if len(settled) != 1:
            return False
        if settled[0].api_key_id is not None:
            self.new_delivery_ids += record_outcomes(self.conn, [retry.retry_of], now)
        return True

    def close_pending(self, reasons: dict[UUID, str], status: CommandStatus, now: datetime) -> None:
        """Pending commands whose grant can no longer be applied end with `status`, each with its reason."""
        by_reason: dict[str, list[UUID]] = {}
        for command_id, reason in reasons.items():
            by_reason.setdefault(reason, []).append(command_id)
        closed: list[UUID] = []
        for reason, ids in by_reason.items():
            closed += [row.id for row in self.conn.execute(
                update(commands).where(among(self.conn, commands.c.id, ids), commands.c.status == CommandStatus.PENDING)
                .values(status=status, finished_at=now, **_reason_columns(reason))
                .returning(commands.c.id, commands.c.api_key_id)) if row.api_key_id is not None]
        self.new_delivery_ids += record_outcomes(self.conn, closed, now)

    def note_error(self, command_id: UUID, reason: str) -> None:
        self.conn.execute(update(commands).where(commands.c.id == command_id,
                                                 commands.c.status == CommandStatus.QUEUED)
                          .values(lease_until=None, **_reason_columns(reason)))

    def take_unapplied(self, published_before: datetime, limit: int, now: datetime) -> list[dict]:
        """Payloads of queued commands nobody holds, last published (or submitted) before the cutoff, marked
        republished."""
        query = (select(commands.c.id, commands.c.issued_at, commands.c.payload)
                 # Written as the partial index on queued rows is (a literal status, the same expression), so
                 # that PostgreSQL and SQLite both use it however many rows are queued.
                 .where(text("status = 'queued'"), literal_column(LAST_SENT_SQL, UTCDateTime) < published_before,
                        or_(commands.c.lease_until.is_(None), commands.c.lease_until <= now))
                 .order_by(commands.c.submitted_at, commands.c.position).limit(limit)
                 .with_for_update(skip_locked=True))
        rows = self.conn.execute(query).all()
        if rows:
            self.mark_published([row.id for row in rows], now, IssuedSpan.of(row.issued_at for row in rows))
        return [row.payload for row in rows]

    def dead_letter(self, command_id: UUID | None, reason: Said | str, payload: object, now: datetime) -> None:
        """Keep what could not be applied, with why (its English, and its codes when it has them); the command (if
        known) ends as failed."""
        text = payload if isinstance(payload, str) else json.dumps(payload, default=str)
        text = text.replace("\x00", "\\x00")  # PostgreSQL text cannot hold NUL
        self.conn.execute(insert(dead_letters).values(at=now, command_id=command_id, payload=text,
                                                      **_reason_columns(reason)))
        if command_id is not None:
            failed = self.conn.execute(update(commands).where(commands.c.id == command_id,
                                                              commands.c.status == CommandStatus.QUEUED)
                                       .values(status=CommandStatus.FAILED, finished_at=now, **_reason_columns(reason))
                                       .returning(commands.c.api_key_id)).all()
            if failed and failed[0].api_key_id is not None:
                self.new_delivery_ids += record_outcomes(self.conn, [command_id], now)


def _within(issued: IssuedSpan | None):
    """Only the commands issued in the span (on PostgreSQL, only its months' partitions are read); None: all."""
    return true() if issued is None else commands.c.issued_at.between(issued.earliest, issued.latest)


def _between(issued: IssuedSpan | None) -> tuple[str, datetime, datetime] | None:
    return None if issued is None else ("issued_at", issued.earliest, issued.latest)


def _first_lines(pairs) -> dict[str, int]:
    """For each key, the lowest job line it comes with."""
    first: dict[str, int] = {}
    for key, line in pairs:
        if line < first.get(key, line + 1):
            first[key] = line
    return first



def _reason_columns(reason: str | None, as_text: bool = False) -> dict:
    """A reason as the journal keeps it: its English text, and its codes when it has them (store.said_json)."""
    return {"reason": str(reason) if reason is not None else None, "reason_said": said_json(reason, as_text)}
