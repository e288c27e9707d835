"""An in-memory command log with the semantics of the store's (store.command_log) that the apply path relies on: a
claim leases a queued command and counts an attempt, a job row waits for the earlier row of its job that creates its
account or user, a pending command takes the result of its retry only if the system retried its grant."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.commands import AddMember, Command, GrantAdmin
from domain.issued_span import IssuedSpan
from domain.model import ADMIN_GROUP_KEY, email_key, group_key
from domain.states import CommandStatus, GrantStatus
from domain.unit_of_work_port import Claim, CommandLog, JobPlace

from .fakes import FakeRepository, IntegrityError

CREATES_SUBJECT = ("create_account", "add_user")  # the job rows a later row about the same email waits for


@dataclass
class LogRow:
    """One command in the log, with what the store's commands table keeps of it."""

    id: UUID
    type: str
    account: str
    payload: dict
    status: CommandStatus = CommandStatus.QUEUED
    attempts: int = 0
    reason: str | None = None
    finished_at: datetime | None = None
    lease_until: datetime | None = None
    deferrals: int = 0
    job: JobPlace | None = None


class FakeCommandLog(CommandLog):
    def __init__(self, repo: FakeRepository):
        self.repo = repo  # its pending grants tell whether a command is the retry of a pending one
        self.rows: dict[UUID, LogRow] = {}
        self.dead_letters: list[tuple[UUID | None, str, object]] = []
        self.new_delivery_ids: list[int] = []  # no key's outcomes here: nothing to deliver

    def record_submitted(self, batch: list[Command], now: datetime, api_key_id: str | None = None) -> None:
        for cmd in batch:
            self._add(LogRow(cmd.id, cmd.type, cmd.account, cmd.model_dump(mode="json")))

    def journal_job(self, job_id: UUID, rows: list[tuple[int, Command, str | None]]) -> None:
        """Job rows (line, command, subject), as an onboarding job journals them (store.jobs)."""
        for line, cmd, subject in rows:
            self._add(LogRow(cmd.id, cmd.type, cmd.account, cmd.model_dump(mode="json"),
                             job=JobPlace(job_id, line, cmd.account, subject)))

    def _add(self, row: LogRow) -> None:
        if row.id in self.rows:
            raise IntegrityError(f"duplicate command {row.id}")
        self.rows[row.id] = row

    def claim(self, ids: list[UUID], now: datetime, lease: timedelta,
              issued: IssuedSpan | None = None) -> dict[UUID, Claim]:
        claims = {}
        for command_id in ids:
            row = self.rows.get(command_id)
            if row is None:
                continue
            if row.status == CommandStatus.QUEUED and (row.lease_until is None or row.lease_until <= now) and \
                    _within(row, issued):
                row.attempts += 1
                row.lease_until = now + lease
                claims[command_id] = Claim(row.status, row.attempts, json.dumps(row.payload), row.job, row.deferrals)
            else:
                claims[command_id] = Claim(row.status, row.attempts, leased=row.status == CommandStatus.QUEUED)
        return claims

    def waiting_on_earlier_rows(self, places: dict[UUID, JobPlace]) -> set[UUID]:
        waiting = set()
        for command_id, place in places.items():
            for row in self.rows.values():
                if row.job is None or row.job.job_id != place.job_id or row.job.line >= place.line or \
                        row.id in places or row.status != CommandStatus.QUEUED or row.type not in CREATES_SUBJECT:
                    continue
                if (row.type == "create_account" and row.account == place.account) or \
                        (place.subject is not None and row.job.subject == place.subject):
                    waiting.add(command_id)
        return waiting

    def release(self, ids: list[UUID], issued: IssuedSpan | None = None) -> None:
        for row in self._queued(ids, issued):
            row.attempts, row.lease_until = row.attempts - 1, None

    def defer(self, ids: list[UUID], now: datetime, until: datetime, issued: IssuedSpan | None = None) -> None:
        for row in self._queued(ids, issued):
            row.attempts, row.lease_until, row.deferrals = row.attempts - 1, until, row.deferrals + 1

    def lock_status(self, command_id: UUID, issued_at: datetime | None = None) -> CommandStatus | None:
        row = self.rows.get(command_id)
        return row.status if row is not None else None

    def finish_queued(self, results: list[dict]) -> bool:
        finished = 0
        issued = IssuedSpan.of(result.get("issued_at") for result in results)
        for result in results:
            row = self.rows.get(result["id"])
            if row is not None and row.status == CommandStatus.QUEUED and _within(row, issued):
                row.status, row.reason, row.finished_at = result["status"], result["reason"], result["finished_at"]
                finished += 1
        return finished == len(results)

    def finish(self, command_id: UUID, status: CommandStatus, reason: str | None, now: datetime,
               issued_at: datetime | None = None) -> None:
        row = self.rows.get(command_id)
        if row is not None:
            row.status, row.reason, row.finished_at = status, reason, now

    def settle_pending(self, retry: GrantAdmin | AddMember, status: CommandStatus, reason: str, now: datetime) -> bool:
        group = ADMIN_GROUP_KEY if isinstance(retry, GrantAdmin) else group_key(retry.group)
        retried = any(grant.command_id == retry.retry_of and (grant.account, grant.group) == (retry.account, group)
                      and email_key(grant.email) == email_key(retry.email) and state == GrantStatus.RETRIED
                      for grant, state in self.repo.grants.values())
        row = self.rows.get(retry.retry_of)
        if not retried or row is None or row.status != CommandStatus.PENDING or row.account != retry.account:
            return False
        row.status, row.reason, row.finished_at = status, reason, now
        return True

    def end_pending(self, command_id: UUID, status: CommandStatus, reason: str, now: datetime) -> None:
        """A pending command whose grant can no longer be applied ends with `status` (as store.closed_grants)."""
        row = self.rows.get(command_id)
        if row is not None and row.status == CommandStatus.PENDING:
            row.status, row.reason, row.finished_at = status, reason, now

    def note_error(self, command_id: UUID, reason: str) -> None:
        for row in self._queued([command_id]):
            row.reason, row.lease_until = reason, None

    def dead_letter(self, command_id: UUID | None, reason: str, payload: object, now: datetime) -> None:
        self.dead_letters.append((command_id, reason, payload))
        for row in self._queued([command_id] if command_id is not None else []):
            row.status, row.reason, row.finished_at = CommandStatus.FAILED, reason, now

    def _queued(self, ids: list[UUID], issued: IssuedSpan | None = None) -> list[LogRow]:
        return [self.rows[i] for i in ids
                if i in self.rows and self.rows[i].status == CommandStatus.QUEUED and _within(self.rows[i], issued)]


def _within(row: LogRow, issued: IssuedSpan | None) -> bool:
    """As the store's statements bounded by a span of issue times: a row issued outside it is not found."""
    return issued is None or issued.earliest <= datetime.fromisoformat(row.payload["issued_at"]) <= issued.latest
