"""Hostile onboarding files: deep nesting, wide headers, long lines and long cells stop nothing and echo little."""
from __future__ import annotations

import time
import tracemalloc
from datetime import datetime, timezone
from uuid import UUID

import pytest

from producers.onboarding.reader import MAX_LINE_BYTES, FileProblem, check_header, detect_format, open_rows
from producers.onboarding.rows import JobRowContext, to_command

HEADER = "action,account,name,email,first_name,last_name,group,by\n"
GRANT = '{"action": "grant", "account": "1001", "email": "%s@example.com"}\n'


def rows_of(tmp_path, name: str, content: bytes | str):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    check_header(path, detect_format(path, None))
    return list(open_rows(path, detect_format(path, None)))


def nested(depth: int) -> str:
    return '{"action": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("where", [1, 2])
def test_a_deeply_nested_jsonl_line_is_invalid_and_the_rest_goes_on(tmp_path, where):
    lines = [GRANT % "ann", GRANT % "bob"]
    lines.insert(where - 1, nested(20_000) + "\n")
    rows = rows_of(tmp_path, "deep.jsonl", "".join(lines))
    assert [row.line for row in rows] == [1, 2, 3]
    bad = rows[where - 1]
    assert bad.line == where and bad.values is None
    assert "nested too deeply" in bad.error.reason
    assert [row.values["email"] for row in rows if row.error is None] == ["ann@example.com", "bob@example.com"]


def test_a_wide_csv_header_is_refused_at_once_naming_the_first_few_columns(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("action,account," + "a," * 32_000 + "\n")
    assert path.stat().st_size < MAX_LINE_BYTES
    started = time.monotonic()
    with pytest.raises(FileProblem) as refused:
        check_header(path, "csv")
    # Linear time takes milliseconds; comparing each column with every other, minutes.
    assert time.monotonic() - started < 10, "a header of 32,000 columns must be checked in linear time"
    assert "named twice: a" in str(refused.value)
    assert len(str(refused.value)) < 400


def test_a_refused_header_names_only_the_first_few_unknown_columns(tmp_path):
    path = tmp_path / "unknown.csv"
    path.write_text("action,account," + ",".join(f"x{i}" for i in range(1000)) + "\n")
    with pytest.raises(FileProblem) as refused:
        check_header(path, "csv")
    message = str(refused.value)
    assert "'x0', 'x1', 'x2', 'x3', 'x4' and 995 more" in message
    assert "'x5'" not in message


def test_a_header_longer_than_the_line_cap_is_refused_without_listing_it(tmp_path):
    path = tmp_path / "wider.csv"
    path.write_text("action,account," + ",".join(f"col{i}" for i in range(200_000)) + "\n")
    started = time.monotonic()
    with pytest.raises(FileProblem, match=f"longer than {MAX_LINE_BYTES} bytes") as refused:
        check_header(path, "csv")
    assert time.monotonic() - started < 10
    assert "col199999" not in str(refused.value)


@pytest.mark.parametrize("name, row, newline", [
    ("long.jsonl", '{"action": "grant", "account": "1001", "email": "%s@example.com"}', "\n"),
    ("long.csv", "grant,1001,,%s@example.com,,,,", "\n"),
    ("crlf.csv", "grant,1001,,%s@example.com,,,,", "\r\n"),
])
def test_a_line_longer_than_the_cap_is_invalid_and_the_next_lines_keep_their_numbers(tmp_path, name, row, newline):
    first = HEADER.replace("\n", newline) if name.endswith(".csv") else ""
    offset = 1 if first else 0
    content = first + newline.join([row % "ann", row % ("x" * (MAX_LINE_BYTES + 10)), row % "bob",
                                    row % ("y" * (3 * MAX_LINE_BYTES)), row % "cid"]) + newline
    rows = rows_of(tmp_path, name, content)
    assert [row.line - offset for row in rows] == [1, 2, 3, 4, 5]
    assert [row.values["email"] for row in rows if row.error is None] == [
        "ann@example.com", "bob@example.com", "cid@example.com"]
    for bad in (rows[1], rows[3]):
        assert bad.error.reason == f"is longer than {MAX_LINE_BYTES} bytes"


def test_a_line_at_the_cap_is_read_whole(tmp_path):
    row = '{"action": "grant", "account": "1001", "email": "%s@example.com"}'
    padding = MAX_LINE_BYTES - len(row % "")
    rows = rows_of(tmp_path, "edge.jsonl", (row % ("z" * padding)) + "\n" + (row % "ann") + "\n")
    assert len(rows[0].values["email"]) == padding + len("@example.com")
    assert rows[1].values["email"] == "ann@example.com"


@pytest.mark.parametrize("name, line", [
    ("huge.jsonl", '{"action": "grant", "account": "1001", "email": "%s@example.com"}\n'),
    ("huge.csv", "grant,1001,,%s@example.com,,,,\n"),
])
def test_reading_a_huge_line_holds_little_memory(tmp_path, name, line):
    path = tmp_path / name
    with path.open("w") as file:
        file.write(HEADER if name.endswith(".csv") else "")
        file.write(line % "ann")
        file.write(line % ("x" * 30_000_000))
        file.write(line % "bob")
    tracemalloc.start()
    try:
        rows = list(open_rows(path, detect_format(path, None)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [row.error is None for row in rows] == [True, False, True]
    assert peak < 5_000_000, f"reading held {peak:,} bytes at its peak"


def context():
    return JobRowContext(UUID("00000000-0000-4000-8000-000000000001"), datetime(2026, 11, 23, tzinfo=timezone.utc),
                         "support", lambda line, email: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA")


@pytest.mark.parametrize("values, field", [
    ({"action": "grant", "account": "1" * 5000, "email": "a@example.com"}, "account"),
    ({"action": "g" * 5000, "account": "1001"}, "action"),
    ({"action": "grant", "account": "1001", "email": "a@example.com", "by": "nobody" * 1000}, "by"),
])
def test_a_long_cell_is_shortened_where_a_reason_echoes_it(values, field):
    error = to_command(2, values, context())
    assert error.field == field
    assert "…" in error.reason and len(error.reason) < 250, error.reason


def test_jsonl_echoes_of_long_values_and_keys_are_short(tmp_path):
    long_key = "k" * 5000
    content = ('{"action": "grant", "account": "1001", "email": [%s]}\n' % ", ".join(["1"] * 5000)
               + '{"action": "grant", "account": "1001", "%s": "x"}\n' % long_key)
    rows = rows_of(tmp_path, "echo.jsonl", GRANT % "ann" + content)
    for row in rows[1:]:
        assert "…" in row.error.reason and len(row.error.reason) < 250, row.error.reason
        assert row.error.field is None or len(row.error.field) <= 40


@pytest.mark.parametrize("over", [0, 1, 2])
def test_a_crlf_line_cut_at_the_cap_keeps_the_next_line_numbers(tmp_path, over):
    row = "grant,1001,,%s@example.com,,,,"
    padding = MAX_LINE_BYTES - len(row % "") + over
    content = HEADER.replace("\n", "\r\n") + "\r\n".join([row % ("z" * padding), row % "ann", row % "bob"]) + "\r\n"
    rows = rows_of(tmp_path, "edge.csv", content)
    assert [row.line for row in rows] == [2, 3, 4]
    assert (rows[0].error is None) == (over == 0)
    assert [row.values["email"] for row in rows[1:]] == ["ann@example.com", "bob@example.com"]


def test_a_line_is_measured_in_bytes_not_characters(tmp_path):
    content = HEADER + f"grant,1001,,{'é' * 40_000}@example.com,,,,\ngrant,1001,,a@example.com,,,,\n"
    rows = rows_of(tmp_path, "wide.csv", content)
    assert rows[0].error.reason == f"is longer than {MAX_LINE_BYTES} bytes"
    assert rows[1].values["email"] == "a@example.com"


def test_a_number_too_long_to_convert_is_an_invalid_row(tmp_path):
    rows = rows_of(tmp_path, "digits.jsonl", GRANT % "ann" + '{"action": "grant", "account": 1%s}\n' % ("0" * 5000)
                   + GRANT % "bob")
    assert [row.line for row in rows] == [1, 2, 3]
    assert rows[1].error.reason == "holds a number too long to be read"
    assert rows[2].values["email"] == "bob@example.com"
