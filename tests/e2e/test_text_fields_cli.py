"""The CLI refuses control and invisible characters before anything is journalled: exit 2, the field named."""
from __future__ import annotations

import pytest

from .cli_runs import describe, one_json_object

# A NUL cannot reach a program through its arguments (bash's $'a\x00b' passes "a"); the other controls can.
CASES = [
    (["group", "create", "1001", "a\x1bb", "--by", "x@y.z"], "group: ", "U+001B"),
    (["group", "rename", "1001", "Sales", "Sa\u200bles", "--by", "x@y.z"], "new name: ", "U+200B"),
    (["admin", "grant", "1001", "bob\u202e@example.com", "--by", "x@y.z"], "email: ", "U+202E"),
    (["admin", "grant", "1001", "bob@example.com", "--by", "x\u0085@y.z"], "actor: ", "U+0085"),
    (["account", "create", "1001", "--name", "Ac\x07me", "--admin", "a@y.z", "--first", "A", "--last", "B"],
     "name: ", "U+0007"),
    (["register", "--token", "t", "--first", "Ann\u2066e", "--last", "B", "--password-stdin"], "first name: ", "U+2066"),
]


@pytest.mark.parametrize("args, field, character", CASES, ids=[c[2] for c in CASES])
def test_a_hostile_argument_exits_2_naming_the_field_and_the_character(no_worker, args, field, character):
    result = no_worker.cli(*args)

    assert result.returncode == 2, describe(result)
    assert result.stderr.startswith(f"error: {field}"), describe(result)
    assert character in result.stderr and "Traceback" not in result.stderr, describe(result)
    assert not (no_worker.cwd / "var" / "envadmin.db").exists()  # refused before any store was opened


def test_with_json_the_refusal_is_the_one_object(no_worker):
    data = one_json_object(no_worker.cli("group", "create", "1001", "a\x1bb", "--by", "x@y.z", "--json"), 2)

    assert data == {"error": "group: must not contain a control character: U+001B"}
