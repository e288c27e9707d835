"""A count as a page shows it: grouped as the page's language groups digits, in a cell and in a translated sentence
whose plural the number still chooses."""
from __future__ import annotations

from contextlib import contextmanager

from producers.web import language
from producers.web.counts import count
from producers.web.render import TEMPLATES

SENTENCE = TEMPLATES.env.from_string(
    "{% trans count=n %}{{ count }} grant waits for its invitee to register.{% pluralize %}{{ count }} grants wait "
    "for their invitees to register.{% endtrans %}|{{ n | count }}")


@contextmanager
def page_in(code: str):
    token = language._language.set(code)
    try:
        yield
    finally:
        language._language.reset(token)


def test_a_count_in_a_cell_is_grouped_for_the_language_and_anything_else_is_as_it_is():
    with page_in("fr"):
        assert (count(100000), count(12), count("1001"), count(None)) == ("100\u202f000", "12", "1001", None)
    assert (count(100000), count(True)) == ("100,000", True)


def test_a_sentences_count_is_grouped_and_still_chooses_the_plural():
    with page_in("fr"):
        assert SENTENCE.render(n=12500) == ("12\u202f500 attributions attendent que leurs invités s’inscrivent."
                                           "|12\u202f500")
        assert SENTENCE.render(n=1).startswith("1 attribution attend")
    assert SENTENCE.render(n=12500) == "12,500 grants wait for their invitees to register.|12,500"
    assert SENTENCE.render(n=1) == "1 grant waits for its invitee to register.|1"
