"""The columns an onboarding file may have, the checks of its header, and how a reason quotes a value.

A header is checked in one pass, whatever its width, and a refusal names a few columns, not all.
"""
from __future__ import annotations

from collections import Counter

from domain.said import Said, said

COLUMNS = ("action", "account", "name", "email", "first_name", "last_name", "group", "by")
REQUIRED_COLUMNS = ("action", "account")
ECHO_LIMIT = 80  # characters of a value a reason quotes
NAMED_AT_MOST = 5  # columns a refused header names

_KNOWN = frozenset(COLUMNS)


class FileProblem(Exception):
    """The file as a whole cannot be onboarded; nothing of it is submitted. `message`: why, a message of the rules
    (domain.said) where it has a code, read in each reader's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def shown(value: str, limit: int = ECHO_LIMIT) -> str:
    """The value quoted as a reason shows it: repr, cut after `limit` characters with "…"."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def clipped(text: str, limit: int = ECHO_LIMIT) -> str:
    """The text cut after `limit` characters with "…"."""
    return text if len(text) <= limit else text[:limit] + "…"


def a_few(names: list[str], quote: bool = True) -> str:
    """The first few names, each shortened, and how many more there are."""
    listed = ", ".join(shown(name) if quote else clipped(name) for name in names[:NAMED_AT_MOST])
    more = len(names) - NAMED_AT_MOST
    return said("file.few_more", listed=listed, more=more) if more > 0 else listed


def check_header_names(names: list[str], where: Said) -> None:
    """Raise FileProblem if a CSV header names a column twice, or names unknown or too few columns."""
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise FileProblem(said("file.columns_twice", where=where, names=a_few(repeated, quote=False)))
    check_columns(names, where)


def check_columns(names: list[str], where: Said) -> None:
    """Raise FileProblem if the names hold an unknown column or lack a required one."""
    present = set(names)
    unknown = [name for name in names if name not in _KNOWN]
    missing = [name for name in REQUIRED_COLUMNS if name not in present]
    known = ", ".join(COLUMNS)
    if unknown and missing:
        raise FileProblem(said("file.columns.both", where=where, unknown=a_few(unknown), missing=", ".join(missing),
                               known=known))
    if unknown:
        raise FileProblem(said("file.columns.unknown", where=where, unknown=a_few(unknown), known=known))
    if missing:
        raise FileProblem(said("file.columns.missing", where=where, missing=", ".join(missing), known=known))


def is_known(name: str) -> bool:
    return name in _KNOWN
