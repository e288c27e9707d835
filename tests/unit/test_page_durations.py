"""A duration as the ops dashboard shows it: the shapes of producers.ops.view, in the page's language."""
from __future__ import annotations

import pytest

from producers.ops import view
from producers.web import language
from producers.web.moments import duration, tenths

DAY, HOUR = 86400, 3600


@pytest.mark.parametrize(("seconds", "english", "french"), [
    (0.42, "0.42 s", "0,42 s"),
    (12.7, "12 s", "12 s"),
    (185, "3 min 05 s", "3 min 05 s"),
    (2 * HOUR + 7 * 60, "2 h 07 min", "2 h 07 min"),
    (3 * DAY + 4 * HOUR, "3 d 4 h", "3 j 4 h"),
    (None, "-", "-"),
])
def test_a_duration_reads_in_the_pages_language_and_in_english_as_the_cli_prints_it(seconds, english, french):
    token = language._language.set("fr")
    try:
        assert duration(seconds) == french
    finally:
        language._language.reset(token)
    assert duration(seconds) == english == view.duration(seconds)


def test_a_rate_reads_with_the_pages_decimal_sign():
    token = language._language.set("fr")
    try:
        assert (tenths(0.0), tenths(1234.5)) == ("0,0", "1234,5")
    finally:
        language._language.reset(token)
    assert (tenths(0.0), tenths(1234.5), tenths(12.0)) == ("0.0", "1234.5", "12.0")
