"""Temporary passwords of the users a job creates, written to the operator's file (mode 0600).

Each is written and flushed to disk before the batch that uses its hash is journalled, so no
journalled user lacks its password in the file. A batch journalled by nobody (the producer died
first) leaves lines that are issued again on resume: for one line, the last entry is the one in use.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path
from uuid import UUID

from domain.passwords import generate_temporary_password, hash_password
from producers.onboarding.reader import RowError


class TemporaryPasswords:
    def __init__(self, path: Path | None, job_id: UUID):
        self.path = path
        self.job_id = job_id
        self._unsaved: list[tuple[int, str, str]] = []

    def issue(self, line: int, email: str) -> str | RowError:
        """The hash of a new temporary password for the row's user, kept to be saved."""
        if self.path is None:
            return RowError("email", "creates a user, so the job needs --passwords FILE to write its "
                                     "temporary password to")
        password = generate_temporary_password()
        self._unsaved.append((line, email, password))
        return hash_password(password)

    def save(self) -> None:
        if not self._unsaved:
            return
        new = not self.path.exists()
        descriptor = os.open(self.path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            if new:
                writer.writerow(["job", "line", "email", "temporary_password"])
            writer.writerows([str(self.job_id), line, email, password] for line, email, password in self._unsaved)
            file.flush()
            os.fsync(file.fileno())
        self._unsaved.clear()
