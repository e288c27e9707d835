"""Access logs that never hold a registration token: `/register/<token>` is logged as `/register/…`."""
from __future__ import annotations

import logging
import re

_TOKEN_PATH = re.compile(r"(/register/)[^/?\s\"]+")


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(r"\1…", text)


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
