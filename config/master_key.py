"""The master key's text forms: ENVADMIN_* variables and, on the embedded default, files in the data dir."""
from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from pydantic import SecretBytes

from config.texts import N_, Text

KEY_BYTES = 32
MAKE_ONE = "head -c32 /dev/urandom | base64"
KEY_FILE, OLD_KEYS_FILE = "master.key", "master.key.old"


class MasterKeyError(ValueError):
    """The master key is missing or malformed: the message (a config.texts.Text, `message`) says which setting,
    never its value."""

    def __init__(self, message: Text):
        super().__init__(message)
        self.message = message


def parse_key(text: str, where: str) -> SecretBytes:
    """The 32 bytes of a base64 key; MasterKeyError naming `where` (a variable or a file, or a Text) otherwise."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(Text(N_("%(where)s must be the base64 of 32 bytes (it is not base64); make one with "
                                     "`%(make_one)s`"), where=where, make_one=MAKE_ONE)) from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(Text(N_("%(where)s must be the base64 of 32 bytes, not of %(count)s; make one with "
                                     "`%(make_one)s`"), where=where, count=len(key), make_one=MAKE_ONE))
    return SecretBytes(key)


def parse_key_list(text: str, where: str) -> list[SecretBytes]:
    """Keys separated by commas or whitespace; each one's position is named if it is malformed."""
    parts = text.replace(",", " ").split()
    return [parse_key(part, Text(N_("%(where)s (key %(number)s of %(count)s)"), where=where, number=number,
                                 count=len(parts)) if len(parts) > 1 else where)
            for number, part in enumerate(parts, start=1)]


def missing_key() -> MasterKeyError:
    return MasterKeyError(Text(N_(
        "ENVADMIN_MASTER_KEY is not set: outside the embedded default (ENVADMIN_DATABASE_URL or "
        "ENVADMIN_BROKER_URL is set) every host must hold the same master key, or one cannot open the "
        "envelopes and mails another sealed. Make one with `%(make_one)s` and set ENVADMIN_MASTER_KEY to it "
        "on every host"), make_one=MAKE_ONE))


def read_or_make_key_file(data_dir: Path) -> SecretBytes:
    """The embedded default's key, made once in the data dir (the first process to get there wins)."""
    path = (data_dir / KEY_FILE).resolve()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = _write_draft(path, base64.b64encode(os.urandom(KEY_BYTES)).decode())
        try:
            os.link(draft, path)  # atomic, and never replaces a key another process made
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return parse_key(path.read_text(), str(path))


def read_old_keys_file(data_dir: Path) -> list[SecretBytes]:
    """The embedded default's keys from before a rotation, one a line (none if there is no file)."""
    path = (data_dir / OLD_KEYS_FILE).resolve()
    return parse_key_list(path.read_text(), str(path)) if path.exists() else []


def install_key_file(data_dir: Path, new: SecretBytes) -> None:
    """Make `new` the embedded key; the key it replaces joins the old keys first, so nothing is orphaned."""
    current = read_or_make_key_file(data_dir)
    if current.get_secret_value() == new.get_secret_value():
        return
    kept = [*read_old_keys_file(data_dir), current]
    old_path = (data_dir / OLD_KEYS_FILE).resolve()
    lines = "".join(f"{base64.b64encode(k.get_secret_value()).decode()}\n" for k in kept
                    if k.get_secret_value() != new.get_secret_value())
    os.replace(_write_draft(old_path, lines), old_path)
    key_path = (data_dir / KEY_FILE).resolve()
    os.replace(_write_draft(key_path, base64.b64encode(new.get_secret_value()).decode()), key_path)


def _write_draft(path: Path, text: str) -> Path:
    """A file beside `path`, mode 0600, its text on disk, for an atomic link or rename."""
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    return draft
