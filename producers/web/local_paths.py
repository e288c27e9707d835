"""Where to go after signing in: only a path of this site, never another site (no open redirect)."""
from __future__ import annotations

from urllib.parse import urlsplit

HOME = "/"
MAX_CHARS = 2000


def local_path(value: object) -> str:
    """`value` if it is a path on this site ("/…", not "//…"), else the home page."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > MAX_CHARS:
        return HOME
    # Browsers read "\" as "/" and drop tabs and newlines, so "/\evil.example" and "/\t/evil.example" would
    # leave the site: no backslash, whitespace or control character at all.
    if value.startswith("//") or any(ch == "\\" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F
                                     for ch in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME
    return value
