"""A key's callback URL: where its outcomes are posted, checked when the key is made."""
from __future__ import annotations

from urllib.parse import urlsplit

from domain.field_messages import said

MAX_URL_CHARS = 2000


def check_callback_url(url: str) -> str:
    """The URL, if it is an absolute http(s) URL with a host and nothing a request line cannot carry; ValueError
    naming what is wrong otherwise."""
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise ValueError(said("url.too_long", maximum=MAX_URL_CHARS))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is no number)
    except ValueError:
        raise ValueError(said("url.not_url", url=repr(url))) from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(said("url.scheme", url=repr(url)))
    if not parts.hostname:
        raise ValueError(said("url.no_host", url=repr(url)))
    if any(char.isspace() or ord(char) < 32 for char in url):
        raise ValueError(said("url.space", url=repr(url)))
    if parts.username is not None or parts.password is not None:
        raise ValueError(said("url.credentials"))
    return url
