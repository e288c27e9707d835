"""CSV files envadmin writes for people to open: no cell a spreadsheet would run as a formula.

A cell that starts with =, +, -, @, a tab or a carriage return is a formula (or becomes one) in
Excel, LibreOffice and Google Sheets; OWASP's advice is to prefix it with a single quote, which
spreadsheets show as text. Every CSV envadmin writes goes through `writer`.
"""
from __future__ import annotations

import csv
from typing import Any, Iterable, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def runs_as_formula(value: str) -> bool:
    """Whether a spreadsheet could take this cell for a formula."""
    return value.startswith(FORMULA_STARTS)


def neutralized(value: Any) -> str:
    """The cell as text a spreadsheet will not run."""
    text = "" if value is None else str(value)
    return "'" + text if runs_as_formula(text) else text


class SafeWriter:
    """csv.writer whose every cell is neutralized."""

    def __init__(self, file: TextIO):
        self._writer = csv.writer(file)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralized(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(file: TextIO) -> SafeWriter:
    """A CSV writer for a file opened with newline=""."""
    return SafeWriter(file)
