"""A name that a person chose (a user's, an account's, a group's), made safe to show in a mail we send.

Such a name is the one part of an invite or activation mail that someone else wrote. It must not be able to
pass for our words: it is shown quoted and short, with nothing a mail reader would make a link of (a URL, a
www. address, a bare host name such as evil.example, an email address), and nothing that hides, reorders or
breaks text (control, format and bidi characters). Letters, digits and punctuation of any script stay.
"""
from __future__ import annotations

import re
import unicodedata

MAIL_NAME_MAX = 60  # characters of a name a mail shows; a longer one is cut at a word and marked "…"
REMOVED = "…"  # where a link-like part of a name was taken out, and where a long name was cut

_HIDING_CATEGORIES = frozenset({"Cf", "Cs", "Co", "Cn"})  # format (bidi, zero-width), surrogates, unassigned
_BREAKING_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Zs"})  # controls and separators: read as one space
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")  # letters that print nothing
_DOTS = "[.\u3002]"  # IDNA takes the ideographic full stop for a dot (the other look-alikes NFKC makes ".")
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
# A token a mail reader may link: a scheme, www., or a dotted host name whose last label is two letters or more
# (J.R.R. is no host; st.john could be one, and is taken out with the rest).
_LINK_LIKE = re.compile(rf"[a-z][a-z0-9+.-]*:/|^www{_DOTS}|{_LABEL}{_DOTS}(?:{_LABEL}{_DOTS})*[^\W\d_]{{2,}}",
                        re.IGNORECASE)
_QUOTES = str.maketrans({'"': "'", "\u201c": "'", "\u201d": "'", "\u201e": "'", "\u00ab": "'", "\u00bb": "'"})


def name_for_mail(name: str | None, limit: int = MAIL_NAME_MAX) -> str | None:
    """The name as a mail may show it (to be shown in quotes), or None when nothing of it is left to show."""
    if not name:
        return None
    visible = "".join(" " if unicodedata.category(ch) in _BREAKING_CATEGORIES else ch
                      for ch in unicodedata.normalize("NFKC", name)
                      if unicodedata.category(ch) not in _HIDING_CATEGORIES and ch not in _BLANK_LETTERS)
    words = [REMOVED if _LINK_LIKE.search(word) else word for word in visible.translate(_QUOTES).split()]
    kept = " ".join(word for i, word in enumerate(words) if word != REMOVED or i == 0 or words[i - 1] != REMOVED)
    if not kept.strip(REMOVED + " "):
        return None
    return _shortened(kept, limit)


def quoted_for_mail(name: str | None, limit: int = MAIL_NAME_MAX) -> str | None:
    """The name made safe for a mail, in double quotes: "Alice Martin"; None when nothing of it is left."""
    safe = name_for_mail(name, limit)
    return f'"{safe}"' if safe is not None else None


def _shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut and text[limit - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]  # whole words only, unless one word fills the limit
    return cut.rstrip(" " + REMOVED) + REMOVED
