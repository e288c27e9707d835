"""Access logs that never hold a secret of a path: `/register/<token>` is logged as `/register/…`, and so is
`/password/reset/<token>`, however the path was percent-encoded (the router matches the decoded path, so
`/%72egister/<token>` opens the registration page too)."""
from __future__ import annotations

import logging
import re
from urllib.parse import unquote

# The pages whose last path segment is a secret: a registration (or activation) link, a password-reset link.
_SECRET_PATH = re.compile(r"(/(?:register|password/+reset)/+)[^/?#\s\"]+", re.IGNORECASE)
_MAX_DECODINGS = 4  # each pass undoes one level of %25-encoding; more levels than that is no link of ours


def redact(text: str) -> str:
    """The text with every secret path segment replaced by "…"; unchanged (as sent) when it holds none."""
    decoded = _decoded(text)
    if not _SECRET_PATH.search(decoded):
        return text
    return _SECRET_PATH.sub(r"\1…", decoded)


def _decoded(text: str) -> str:
    for _ in range(_MAX_DECODINGS):
        once = unquote(text, errors="replace")
        if once == text:
            break
        text = once
    return text


class RedactTokens(logging.Filter):
    """For uvicorn's access logger, whose record args hold the request path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Once uvicorn has configured its loggers (at the app's start-up)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
