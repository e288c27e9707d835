"""An onboarding job: reads the file, journals its rows batch by batch, publishes them.

The job's id comes from the file's content, the format, the default actor, whether rows may name
their own actor, whether created users are activated by mail and, for an upload from the console, its account, so
running the same file again the same way is the same job: it takes up after the last whole batch and journals
nothing twice (and mails nobody twice). Run another way, it is another job, never one whose rows change meaning
half-way.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable
from uuid import UUID, uuid5

from domain.field_messages import said
from domain.states import JobState
from messaging.broker import publish_batch
from producers.onboarding.lease import JobBusy, job_lease
from producers.onboarding.partitions import AccountPartitions
from producers.onboarding.reader import FileProblem, Row, RowError, check_header, detect_format, open_rows
from producers.onboarding.rows import JobRowContext, creates_user, subject_of, to_command
from producers.onboarding.temporary_passwords import NoTemporaryPasswords, TemporaryPasswords, check_passwords_path
from producers.services.client import Client
from store import jobs

_JOB_NAMESPACE = UUID("5d2f1f4e-8a43-4b7e-9a51-0c1b6f3e2a10")
KIND = "onboard"
ACTIVATIONS = ("mail",)
UPLOAD_ACTIVATION = "mail"  # an upload hands nobody a password: the users it creates are activated by mail
_NO_PASSWORDS = "creates a user, who is activated by mail: no temporary password is made"


@dataclass(frozen=True)
class Submitted:
    """Where the producer is: lines journalled so far, and whether the broker took every message."""

    job_id: UUID
    rows_read: int
    published: bool


def job_id_for(digest: str, file_format: str, actor: str, allow_row_actors: bool = False,
               console_account: str | None = None, activation: str | None = None) -> UUID:
    """The id of the job that reads this file this way."""
    return uuid5(_JOB_NAMESPACE, f"{KIND}|{digest}|{file_format}|{actor}" + ("|row actors" if allow_row_actors else "")
                 + (f"|console upload for {console_account}" if console_account is not None else "")
                 + (f"|activation {activation}" if activation is not None else ""))


def uploaded_for(record: jobs.JobRecord, account: str) -> bool:
    """Whether the job is an upload from the console of this account (its id holds that choice); uploads made
    before they activated users by mail included."""
    return record.id in {job_id_for(record.file_digest, record.file_format, record.actor, False, account, activation)
                         for activation in (UPLOAD_ACTIVATION, None)}


def _how_users_sign_in(passwords_file: Path | None, activation: str | None) -> None:
    """Raise FileProblem unless the options give at most one way for created users to sign in."""
    if activation is not None and activation not in ACTIVATIONS:
        raise FileProblem(said("onboard.activation_choice", expected=" or ".join(ACTIVATIONS), given=repr(activation)))
    if passwords_file is not None and activation is not None:
        raise FileProblem(said("onboard.passwords_or_activation"))


class Onboarding:
    """One run of the producer over one file.

    `console_account`: the file was uploaded in the console of that account by `actor`, the person signed in;
    every row acts as them (a `by` cell naming anyone else is invalid), a row for another account is invalid, and
    the users it creates are activated by mail (nobody could be handed a temporary password).

    `activation` ("mail") or `passwords_file`: how the users the job creates sign in; a job whose rows create users
    with neither is refused before it starts, naming the first such line.
    """

    def __init__(self, client: Client, path: Path, *, actor: str | None, file_format: str | None = None,
                 resume: UUID | None = None, passwords_file: Path | None = None,
                 allow_row_actors: bool | None = None, console_account: str | None = None,
                 activation: str | None = None):
        if console_account is not None and (resume or passwords_file or allow_row_actors or actor is None):
            raise ValueError("an upload from the console acts as its uploader, with no resume, passwords file "
                             "or row actors")
        self.client = client
        self.console_account = console_account
        self.path = path
        _how_users_sign_in(passwords_file, activation)
        if not path.is_file():
            raise FileProblem(said("onboard.no_file", path=str(path)))
        self.file_format = detect_format(path, file_format)
        check_header(path, self.file_format)  # before any job exists
        master_key = None
        if passwords_file is not None:
            check_passwords_path(passwords_file)  # before any job exists
            master_key = client.master_keys().current  # keys the temporary passwords' hashes; a missing key is said now
        self.batch_size = client.settings.job_batch
        self.digest, self.rows_expected = _digest_and_lines(path, self.file_format)
        if console_account is not None:
            activation = UPLOAD_ACTIVATION
        self.actor, self.allow_row_actors, self.activation, self.job_id, self.record = self._find_or_name(
            self.digest, actor, resume, allow_row_actors, activation)
        if passwords_file is None and self.activation is None:
            self._refuse_rows_creating_users(self.record.last_line if self.record is not None else 0)
        self.passwords = (NoTemporaryPasswords(_NO_PASSWORDS) if self.activation is not None
                          else TemporaryPasswords(passwords_file, self.job_id, master_key))

    def _find_or_name(self, digest: str, actor: str | None, resume: UUID | None, allow_row_actors: bool | None,
                      activation: str | None):
        """The job's actor, whether its rows may name theirs, its activation, its id and its record (None for a
        new job)."""
        if resume is not None:
            record = jobs.find(self.client.engine, resume)
            if record is None:
                raise FileProblem(said("resume.unknown", job=str(resume)))
            if record.file_digest != digest or record.file_format != self.file_format:
                raise FileProblem(said("resume.other_file", name=self.path.name, job=str(resume),
                                         read=record.file_name))
            if actor is not None and actor != record.actor:
                raise FileProblem(said("resume.other_actor", job=str(resume), actor=record.actor, given=actor))
            # The id holds the job's choices, so a resumed job keeps them.
            choices = [(allowed, activated) for allowed in (False, True) for activated in (None, *ACTIVATIONS)]
            allowed, activated = next((choice for choice in choices if record.id == job_id_for(
                digest, self.file_format, record.actor, choice[0], activation=choice[1])), (False, None))
            if allow_row_actors is not None and allow_row_actors != allowed:
                raise FileProblem(said("resume.row_actors" if allowed else "resume.no_row_actors", job=str(resume)))
            if activation is not None and activation != activated:
                raise FileProblem(said("resume.no_activation", job=str(resume)))
            return record.actor, allowed, activated, record.id, record
        if actor is None:
            raise FileProblem(said("onboard.by_required"))
        job_id = job_id_for(digest, self.file_format, actor, bool(allow_row_actors), self.console_account, activation)
        return actor, bool(allow_row_actors), activation, job_id, jobs.find(self.client.engine, job_id)

    def _refuse_rows_creating_users(self, after_line: int) -> None:
        """A quick read of the rows' actions: a row creating a user needs --passwords or --activation."""
        for row in open_rows(self.path, self.file_format):
            if row.line > after_line and row.error is None and creates_user(row.values):
                raise FileProblem(said("onboard.creates_users", name=self.path.name, line=row.line,
                                       action=row.values["action"].strip()))

    @property
    def already_submitted(self) -> bool:
        return self.record is not None and self.record.state == JobState.SUBMITTED

    def open(self) -> jobs.JobRecord:
        """Create the job's record (or take it up again): a page can show the job before its rows are read."""
        return jobs.open_job(self.client.engine, self.job_id, kind=KIND, file_name=self.path.name,
                             file_digest=self.digest, file_format=self.file_format, actor=self.actor,
                             rows_expected=self.rows_expected, now=self.client.clock.now())

    def run(self, on_batch: Callable[[Submitted], None] = lambda s: None) -> Submitted:
        """Journal and publish every row not journalled yet; the job ends submitted, or failed."""
        engine = self.client.engine
        with job_lease(engine, self.job_id):
            record = self.open()
            self.outgoing = AccountPartitions(self.client.celery, self.client.settings.queue,
                                              self.client.settings.publish_batch, clock=self.client.clock)
            try:
                published = self._republish(record.last_line)
                published &= self._submit_rows(record, on_batch)
                published &= self.outgoing.flush()
            except BaseException as error:
                jobs.mark(engine, self.job_id, JobState.FAILED, self.client.clock.now(), _failure(error))
                raise
            jobs.mark(engine, self.job_id, JobState.SUBMITTED, self.client.clock.now())
            return Submitted(self.job_id, jobs.find(engine, self.job_id).rows_read, published)

    def _republish(self, up_to_line: int) -> bool:
        """A killed producer may have journalled rows it never published: send them now, not after the relay's wait."""
        published = True
        for payloads in jobs.queued_payloads(self.client.engine, self.job_id, up_to_line,
                                             self.client.settings.publish_batch):
            published &= publish_batch(self.client.celery, self.client.settings.queue, payloads,
                                       clock=self.client.clock)
        return published

    def _submit_rows(self, record, on_batch) -> bool:
        context = JobRowContext(self.job_id, self._issued_from(record), self.actor, self.passwords.issue,
                                self.allow_row_actors, after_line=record.last_line,
                                console_account=self.console_account, activation=self.activation)
        valid: list[jobs.JobRow] = []
        invalid: list[tuple[int, str | None, str]] = []
        published, rows_read, last_line = True, record.rows_read, record.last_line
        for row in open_rows(self.path, self.file_format):
            if row.line <= record.last_line:
                continue
            _classify(row, context, valid, invalid)
            last_line = row.line
            if len(valid) + len(invalid) >= self.batch_size:
                published &= self._flush(valid, invalid, last_line)
                rows_read += len(valid) + len(invalid)
                valid, invalid = [], []
                on_batch(Submitted(self.job_id, rows_read, published))
        if valid or invalid:
            published &= self._flush(valid, invalid, last_line)
            rows_read += len(valid) + len(invalid)
            on_batch(Submitted(self.job_id, rows_read, published))
        return published

    def _issued_from(self, record: jobs.JobRecord) -> datetime:
        """Now, or just after the job's latest journalled row if that is later (a clock behind the one that
        journalled it)."""
        latest = jobs.latest_issued_at(self.client.engine, self.job_id) if record.last_line else None
        now = self.client.clock.now()
        return now if latest is None or latest < now else latest

    def _flush(self, valid: list[jobs.JobRow], invalid: list, last_line: int) -> bool:
        self.passwords.save()  # before the rows that use them are journalled
        journalled = jobs.journal_batch(self.client.engine, self.job_id, valid, invalid, last_line,
                                        self.client.clock.now())
        return self.outgoing.add(journalled) & self.outgoing.flush()  # workers start on each batch at once


def _classify(row: Row, context: JobRowContext, valid: list, invalid: list) -> None:
    if row.error is not None:
        invalid.append((row.line, row.error.field, row.error.reason))
        return
    result = to_command(row.line, row.values, context)
    if isinstance(result, RowError):
        invalid.append((row.line, result.field, result.reason))
    else:
        valid.append(jobs.JobRow(row.line, result, subject_of(result)))


def _digest_and_lines(path: Path, file_format: str) -> tuple[str, int]:
    digest, lines, last = hashlib.sha256(), 0, b"\n"
    with path.open("rb") as binary:
        while chunk := binary.read(1 << 20):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return digest.hexdigest(), max(0, lines - (1 if file_format == "csv" else 0))


def _failure(error: BaseException) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "interrupted; run the same file again, or --resume, to go on"
    return f"{type(error).__name__}: {error}"


__all__ = ["Onboarding", "Submitted", "FileProblem", "JobBusy", "job_id_for", "uploaded_for"]
