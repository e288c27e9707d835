"""A name someone chose, as a mail we send may show it: no link, nothing hidden, short, quotable."""
from __future__ import annotations

import pytest

from domain.mail_names import MAIL_NAME_MAX, name_for_mail, quoted_for_mail


@pytest.mark.parametrize(("typed", "shown"), [
    ("URGENT: reset at https://evil.example/reset", "URGENT: reset at …"),
    ("Martin www.evil.example", "Martin …"),
    ("Martin evil.example/reset now", "Martin … now"),
    ("see ｅｖｉｌ．ｅｘａｍｐｌｅ", "see …"),  # fullwidth: NFKC makes it the host a reader's client links
    ("see evil。example", "see …"),  # IDNA reads the ideographic full stop as a dot
    ("write to help@evil.example or evil.example", "write to … or …"),
    ("hxxp ftp://x", "hxxp …"),
    ("Acme Ltd.", "Acme Ltd."),
    ("J.R.R. Tolkien", "J.R.R. Tolkien"),
    ("Version 2.5", "Version 2.5"),
    ("Société Générale", "Société Générale"),
    ("Zoë 李", "Zoë 李"),
])
def test_anything_a_mail_reader_would_link_is_taken_out_and_the_rest_stays(typed, shown):
    assert name_for_mail(typed) == shown


@pytest.mark.parametrize(("typed", "shown"), [
    ("Alice \u202eMartin\u202c", "Alice Martin"),  # a bidi override and its end
    ("see evil\u202e.example", "see …"),  # taken out, the host is seen whole
    ("Bob\u200b Smith", "Bob Smith"),  # zero-width space
    ("Line\nBreak\tand\x00nul", "Line Break and nul"),
    ("Para\u2029graph", "Para graph"),
    ("Non\u00a0breaking", "Non breaking"),
])
def test_control_format_and_bidi_characters_are_taken_out(typed, shown):
    assert name_for_mail(typed) == shown


def test_a_name_keeps_no_double_quote_so_its_quotes_are_ours():
    assert quoted_for_mail('Acme "the real" support') == "\"Acme 'the real' support\""
    assert quoted_for_mail("“Alice”") == "\"'Alice'\""


def test_a_long_name_is_cut_at_a_word_and_marked():
    shown = name_for_mail("Alexandra " * 20)
    assert len(shown) <= MAIL_NAME_MAX and shown.endswith("Alexandra…") and "  " not in shown
    assert name_for_mail("x" * 100) == "x" * (MAIL_NAME_MAX - 1) + "…"


@pytest.mark.parametrize("typed", [None, "", "https://evil.example", "  \u200b ", "www.evil.example evil.example"])
def test_a_name_with_nothing_left_to_show_is_left_out(typed):
    assert name_for_mail(typed) is None and quoted_for_mail(typed) is None
