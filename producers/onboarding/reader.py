"""Reads an onboarding file (CSV or JSONL) row by row, in bounded memory, with each row's line number.

A row that cannot be read (bad encoding, broken JSON, too many cells) comes out as an error of
that row alone; only a problem of the whole file (no header, unknown columns) stops the job.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from domain.field_messages import said
from domain.parser_sentences import csv_problem, json_kind, json_problem
from producers.onboarding.columns import (
    COLUMNS,
    REQUIRED_COLUMNS,
    FileProblem,
    check_columns,
    check_header_names,
    clipped,
    is_known,
    shown,
)
from producers.onboarding.lines import CappedTextLines, binary_lines

MAX_LINE_BYTES = 1 << 16  # a longer line is an invalid row, read past without being held
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
TOO_LONG = said("row.too_long", maximum=MAX_LINE_BYTES)


@dataclass(frozen=True)
class RowError:
    field: str | None
    reason: str  # a message of the rules (domain.said) where one says it, kept with its codes


@dataclass(frozen=True)
class Row:
    """One data row: its line in the file, and its cells or why it cannot be read."""

    line: int
    values: dict[str, str] | None = None
    error: RowError | None = None


def detect_format(path: Path, given: str | None) -> str:
    if given is not None:
        if given not in ("csv", "jsonl"):
            raise FileProblem(said("file.format_given", given=repr(given)))
        return given
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise FileProblem(said("file.format_unknown", name=path.name))
    return found


def open_rows(path: Path, file_format: str) -> Iterator[Row]:
    """The file's rows; raises FileProblem at once if its header (or first object) is unusable."""
    binary = path.open("rb")
    try:
        rows = _csv_rows(binary) if file_format == "csv" else _jsonl_rows(binary)
        return _closing(rows, binary)
    except BaseException:
        binary.close()
        raise


def check_header(path: Path, file_format: str) -> None:
    """Raise FileProblem if the file's header (or first object) is unusable; reads nothing more."""
    with path.open("rb") as binary:
        _csv_rows(binary) if file_format == "csv" else _jsonl_rows(binary)


def _closing(rows: Iterator[Row], binary) -> Iterator[Row]:
    try:
        yield from rows
    finally:
        binary.close()


def _csv_rows(binary) -> Iterator[Row]:
    # surrogateescape keeps undecodable bytes in place, so one bad row does not stop the reader.
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
    lines = CappedTextLines(text, MAX_LINE_BYTES)
    reader = csv.reader(lines, strict=True)
    header = _csv_header(reader, lines)
    return _csv_body(reader, lines, header)


def _csv_header(reader, lines: CappedTextLines) -> list[str]:
    try:
        for cells in reader:
            if lines.overlong_between(1, reader.line_num):
                raise FileProblem(said("file.header_too_long", where=said("file.where.header", line=reader.line_num),
                                       problem=TOO_LONG))
            if any(cell.strip() for cell in cells):
                break
        else:
            raise FileProblem(said("file.empty.csv", required=", ".join(REQUIRED_COLUMNS)))
    except csv.Error as e:
        raise FileProblem(said("file.header_unreadable", line=reader.line_num, problem=csv_problem(str(e)))) from None
    header = [cell.strip().lower() for cell in cells]
    if any(_undecodable(name) for name in header):
        raise FileProblem(said("file.header_not_utf8", line=reader.line_num))
    check_header_names(header, said("file.where.header", line=reader.line_num))
    return header


def _csv_body(reader, lines: CappedTextLines, header: list[str]) -> Iterator[Row]:
    end_of_previous = reader.line_num
    while True:
        line = end_of_previous + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            end_of_previous = reader.line_num
            lines.overlong_between(line, end_of_previous)
            yield Row(line, error=RowError(None, said("row.csv_unreadable", problem=csv_problem(str(e)))))
            continue
        end_of_previous = reader.line_num
        if lines.overlong_between(line, end_of_previous):
            yield Row(line, error=RowError(None, TOO_LONG))
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            yield Row(line, error=RowError(None, said("row.too_many_cells", cells=len(cells), columns=len(header))))
            continue
        values = dict(zip(header, cells))
        bad = next((name for name, value in values.items() if _undecodable(value)), None)
        if bad is not None:
            yield Row(line, error=RowError(bad, said("row.not_utf8")))
            continue
        yield Row(line, values)


def _jsonl_rows(binary) -> Iterator[Row]:
    lines = enumerate(binary_lines(binary, MAX_LINE_BYTES), start=1)
    for number, raw in lines:
        if raw is None or raw.strip():
            first = _json_row(number, raw)
            keys = _object_keys(raw) if raw is not None else None
            if keys is not None:
                check_columns(keys, said("file.where.first_object", line=number))
            return _jsonl_body(first, lines)
    raise FileProblem(said("file.empty.jsonl"))


def _jsonl_body(first: Row, lines) -> Iterator[Row]:
    yield first
    for number, raw in lines:
        if raw is None or raw.strip():
            yield _json_row(number, raw)


def _object_keys(raw: bytes) -> list[str] | None:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError):  # the row itself says what is wrong with it
        return None
    return list(data) if isinstance(data, dict) else None


def _json_row(number: int, raw: bytes | None) -> Row:
    if raw is None:
        return Row(number, error=RowError(None, TOO_LONG))
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as e:
        return Row(number, error=RowError(None, said("row.not_utf8_at", byte=e.start + 1)))
    try:
        data = json.loads(text.rstrip("\r\n"))  # a line cut short is then faulted on its own line
    except json.JSONDecodeError as e:
        return Row(number, error=RowError(None, said("row.not_json", problem=json_problem(e.msg), column=e.colno)))
    except ValueError:  # a number of more digits than Python converts
        return Row(number, error=RowError(None, said("row.number_too_long")))
    except RecursionError:
        return Row(number, error=RowError(None, said("row.too_nested")))
    if not isinstance(data, dict):
        return Row(number, error=RowError(None, said("row.not_object", kind=json_kind(data))))
    unknown = [key for key in data if not is_known(key)]
    if unknown:
        return Row(number, error=RowError(None, said("row.unknown_column", column=shown(unknown[0]),
                                                      known=", ".join(COLUMNS))))
    values = {}
    for key, value in data.items():
        if value is None:
            value = ""
        elif isinstance(value, bool) or not isinstance(value, (str, int)):
            return Row(number, error=RowError(key, said("row.not_string", value=_json_shown(value))))
        values[key] = str(value)
    return Row(number, values)


def _json_shown(value) -> str:
    try:
        text = json.dumps(value)
    except RecursionError:
        return "a value nested too deeply"
    return clipped(text)


def _undecodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
