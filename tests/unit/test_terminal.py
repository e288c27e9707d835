"""What the CLI prints of stored data cannot act on the terminal."""
from __future__ import annotations

import io

import pytest

from producers.cli.terminal import SafeConsole, printable


@pytest.mark.parametrize("raw, shown", [
    ("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"),
    ("line\nforged line\r", "line\\x0aforged line\\x0d"),
    ("abc\x00\x7f\x9b", "abc\\x00\\x7f\\x9b"),
    ("admin\u202egnp.exe", "admin\\u202egnp.exe"),
])
def test_control_characters_are_printed_escaped(raw, shown):
    assert printable(raw) == shown


def test_ordinary_text_is_printed_as_it_is():
    text = "Zoë Ångström <zoe@bücher.example> — Account Administrators (3)"
    assert printable(text) is text


def test_the_console_escapes_what_it_prints():
    buffer = io.StringIO()
    SafeConsole(file=buffer, highlight=False, soft_wrap=True).print("group \x1b[31mred", markup=False)
    assert buffer.getvalue() == "group \\x1b[31mred\n"
