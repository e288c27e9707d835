"""Temporary passwords of the users a job creates, written to the operator's file (mode 0600).

Each is written and flushed to disk before the batch that uses its hash is journalled, so no
journalled user lacks its password in the file. A batch journalled by nobody (the producer died
first) leaves lines that are issued again on resume: for one line, the last entry is the one in use.

The file holds secrets: envadmin writes only to a file it creates (never through a symbolic link)
or to one that is already the caller's own regular file of mode 0600, so a path planted by someone
else, or a file others can read, never receives a password.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from uuid import UUID

from domain.field_messages import Said, said
from domain.master_keys import MasterKey
from domain.passwords import generate_temporary_password, hash_temporary_password
from producers.onboarding.reader import FileProblem, RowError
from producers.services import csv_output

HEADER = ["job", "line", "email", "temporary_password"]


class PasswordsFileProblem(FileProblem):
    """The --passwords path cannot receive passwords."""


def check_passwords_path(path: Path) -> None:
    """Raise PasswordsFileProblem, naming the path, unless passwords can be written there safely."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise _problem(path, said("passwords_file.no_folder", folder=str(path.parent))) from None
        return
    except OSError as e:
        raise _problem(path, said("text", text=e.strerror or str(e))) from None
    _check_status(path, status)


class TemporaryPasswords:
    """Issues the temporary passwords of a job's new users, hashed with `master_key` (needed with a path)."""

    def __init__(self, path: Path | None, job_id: UUID, master_key: MasterKey | None):
        if path is not None:
            check_passwords_path(path)
        self.path = path
        self.job_id = job_id
        self.master_key = master_key
        self._unsaved: list[tuple[int, str, str]] = []

    def issue(self, line: int, email: str) -> str | RowError:
        """The hash of a new temporary password for the row's user, kept to be saved."""
        if self.path is None:
            return RowError("email", "creates a user, so the job needs --passwords FILE to write its "
                                     "temporary password to")
        password = generate_temporary_password()
        while csv_output.runs_as_formula(password):  # written with a quote before it, it would be misread
            password = generate_temporary_password()
        self._unsaved.append((line, email, password))
        return hash_temporary_password(password, self.master_key)

    def save(self) -> None:
        """Append the passwords issued since the last save, and flush them to disk."""
        if not self._unsaved:
            return
        descriptor, new = _open(self.path)
        with os.fdopen(descriptor, "a", encoding="utf-8", newline="") as file:
            writer = csv_output.writer(file)
            if new:
                writer.writerow(HEADER)
            writer.writerows([str(self.job_id), line, email, password] for line, email, password in self._unsaved)
            file.flush()
            os.fsync(file.fileno())
        self._unsaved.clear()


class NoTemporaryPasswords:
    """For a job whose operator cannot be handed passwords (an upload from the console): a row that creates a user
    is invalid, with `reason`; no clear password is ever made, kept or stored."""

    def __init__(self, reason: str):
        self.reason = reason

    def issue(self, _line: int, _email: str) -> RowError:
        return RowError("email", self.reason)

    def save(self) -> None:
        pass


def _open(path: Path) -> tuple[int, bool]:
    """A descriptor to append to the passwords file, and whether it was created now."""
    # O_NOFOLLOW: a symbolic link is refused, never followed; O_NONBLOCK: a FIFO planted there
    # fails at once instead of blocking (it has no effect on a regular file).
    flags = os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        try:
            descriptor = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            descriptor = os.open(path, flags)
        else:
            os.fchmod(descriptor, 0o600)  # whatever the umask
            return descriptor, True
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise _problem(path, said("passwords_file.symlink")) from None
        raise _problem(path, said("text", text=e.strerror or str(e))) from None
    try:
        _check_status(path, os.fstat(descriptor))  # the file opened, not the path checked earlier
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor, False


def _check_status(path: Path, status: os.stat_result) -> None:
    if stat.S_ISLNK(status.st_mode):
        raise _problem(path, said("passwords_file.symlink"))
    if not stat.S_ISREG(status.st_mode):
        raise _problem(path, said("passwords_file.folder" if stat.S_ISDIR(status.st_mode) else "passwords_file.not_regular"))
    if status.st_uid != os.geteuid():
        raise _problem(path, said("passwords_file.owner", owner=status.st_uid, you=os.geteuid()))
    mode = stat.S_IMODE(status.st_mode)
    if mode != 0o600:
        raise _problem(path, said("passwords_file.mode", mode=f"{mode:04o}", path=str(path)))


def _problem(path: Path, what: Said) -> PasswordsFileProblem:
    return PasswordsFileProblem(said("passwords_file.problem", path=str(path), problem=what))
