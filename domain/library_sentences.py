"""A library's own sentences (email_validator's, the csv and json modules') as messages of domain.said: each
sentence a code whose English is the library's wording, its variable parts ({characters}, {count}, …) read back
from the text, so that a reader of another language reads it translated while English reads as the library says.
A sentence the library adds in a later version stays as it is, in its English."""
from __future__ import annotations

import re
from collections.abc import Mapping

from domain.said import MESSAGES, Said, Text, said


class LibrarySentences:
    """The sentences of one library, registered in domain.said.MESSAGES; `said(text)` reads one back."""

    def __init__(self, sentences: Mapping[str, Text], inner: str | None = None):
        """`inner`: the parameter that holds another of these sentences ("After Unicode normalization: …")."""
        MESSAGES.update(sentences)
        self.inner = inner
        self.patterns = [(code, _pattern(text)) for code, texts in sentences.items()
                         for text in (texts if isinstance(texts, tuple) else (texts,))]

    def said(self, text: str) -> Said:
        """The sentence as a message: its code and parameters where the library says it so, else as it is."""
        for code, pattern in self.patterns:
            found = pattern.match(text)
            if found is None:
                continue
            params: dict[str, object] = dict(found.groupdict())
            if "count" in params:
                if not str(params["count"]).isdigit():
                    continue  # not a count ("1-3 characters"): said as the library says it
                params["count"] = int(params["count"])
            if self.inner in params:
                params[self.inner] = self.said(str(params[self.inner]))
            return said(code, **params)
        return said("text", text=text)


def _pattern(text: str) -> re.Pattern[str]:
    """The sentence as a pattern that reads its parameters back."""
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+)", re.escape(text)) + r"\Z", re.DOTALL)


