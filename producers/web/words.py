"""The words of the store and the domain that the pages show as they are (producers.services.words), each in the
page's language."""
from __future__ import annotations

from producers.services.words import shown_in
from producers.web.language import gettext


def word(text):
    """`text` in the page's language when it is one of the listed words, else as it is."""
    return shown_in(text, gettext)
