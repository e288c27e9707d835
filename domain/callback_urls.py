"""A key's callback URL: where its outcomes are posted, checked when the key is made."""
from __future__ import annotations

from urllib.parse import urlsplit

MAX_URL_CHARS = 2000


def check_callback_url(url: str) -> str:
    """The URL, if it is an absolute http(s) URL with a host and nothing a request line cannot carry; ValueError
    naming what is wrong otherwise."""
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"at most {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is no number)
    except ValueError:
        raise ValueError(f"{url!r} is not a URL") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"expected an http:// or https:// URL, not {url!r}")
    if not parts.hostname:
        raise ValueError(f"{url!r} names no host")
    if any(char.isspace() or ord(char) < 32 for char in url):
        raise ValueError(f"{url!r} holds a space or a control character")
    if parts.username is not None or parts.password is not None:
        raise ValueError("a callback URL carries no user name or password: the signature proves the sender")
    return url
