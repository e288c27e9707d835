"""The lines of a file, each read with a cap on its length: a longer line is read past, never held whole.

An onboarding file is read line by line in bounded memory; one line of hundreds of megabytes would
otherwise be held (and copied) whole before anything could say it is not a row.
"""
from __future__ import annotations

from typing import BinaryIO, Iterator, TextIO

_SKIP_CHUNK = 1 << 16


def binary_lines(binary: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """Each line (split on newlines), or None for a line of more than `limit` bytes before its newline."""
    while line := binary.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := binary.readline(_SKIP_CHUNK)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


class CappedTextLines:
    """The lines of a text file (newline="") for csv.reader; a line of more than `limit` bytes comes
    out empty and its number is noted in `overlong`, so the row that holds it can be reported."""

    _ENDINGS = ("\r\n", "\n", "\r")

    def __init__(self, text: TextIO, limit: int):
        self.text, self.limit = text, limit
        self.number = 0
        self.overlong: list[int] = []
        self._maybe_half_crlf = False

    def __iter__(self) -> CappedTextLines:
        return self

    def __next__(self) -> str:
        line = self._read(self.limit + 2)  # the longest line allowed, with a two-character ending
        if not line:
            raise StopIteration
        self.number += 1
        ended = line.endswith(self._ENDINGS)
        if not ended and len(line) == self.limit + 2:
            while (rest := self._read(_SKIP_CHUNK)) and not rest.endswith(self._ENDINGS):
                pass
        elif len(line) <= self.limit // 4 or len(_content(line).encode("utf-8", "surrogateescape")) <= self.limit:
            return line  # a character is at most 4 bytes: most lines need no encoding to be measured
        self.overlong.append(self.number)
        return "\n"

    def overlong_between(self, first: int, last: int) -> bool:
        """Whether a line from `first` to `last` was too long (and forget those up to `last`)."""
        found = False
        while self.overlong and self.overlong[0] <= last:
            found |= self.overlong.pop(0) >= first
        return found

    def _read(self, size: int) -> str:
        line = self.text.readline(size)
        if self._maybe_half_crlf and line == "\n":
            line = self.text.readline(size)  # the second half of a "\r\n" that a size limit cut
        self._maybe_half_crlf = len(line) == size and line.endswith("\r")
        return line


def _content(line: str) -> str:
    for ending in CappedTextLines._ENDINGS:
        if line.endswith(ending):
            return line[: -len(ending)]
    return line
