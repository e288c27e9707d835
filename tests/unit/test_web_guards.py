"""The slow-down on forms and the redaction of registration tokens in access logs."""
from __future__ import annotations

import logging

from producers.web.access_log import RedactTokens, redact
from producers.web.post_limits import PostLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_over_its_posts_per_minute_waits_until_the_oldest_leaves_the_window():
    clock = Clock()
    limiter = PostLimiter(3, clock=clock)
    assert [limiter.wait_seconds("10.0.0.1") for _ in range(3)] == [0, 0, 0]
    clock.now += 20
    assert limiter.wait_seconds("10.0.0.1") == 40
    assert limiter.wait_seconds("10.0.0.2") == 0  # another client is not slowed down
    clock.now += 40
    assert limiter.wait_seconds("10.0.0.1") == 0


def test_a_registration_token_never_reaches_the_access_log():
    token = "zt4pex3v210HfcW1j0kuosuaLCxHASHQvoh0zjqPUHY"
    assert redact(f"/register/{token}") == "/register/…"
    assert redact(f"/register/{token}?x=1") == "/register/…?x=1"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "POST", f"/register/{token}", "1.1", 303), None)
    assert RedactTokens().filter(record)
    assert token not in record.getMessage() and "/register/…" in record.getMessage()
