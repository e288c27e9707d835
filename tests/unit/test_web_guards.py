"""The slow-down on forms and the redaction of registration tokens in access logs."""
from __future__ import annotations

import logging

import pytest

from producers.web.access_log import RedactTokens, redact
from producers.web.post_limits import PostLimiter


class Timer:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_over_its_posts_per_minute_waits_until_the_oldest_leaves_the_window():
    timer = Timer()
    limiter = PostLimiter(3, timer=timer)
    assert [limiter.wait_seconds("10.0.0.1") for _ in range(3)] == [0, 0, 0]
    timer.now += 20
    assert limiter.wait_seconds("10.0.0.1") == 40
    assert limiter.wait_seconds("10.0.0.2") == 0  # another client is not slowed down
    timer.now += 40
    assert limiter.wait_seconds("10.0.0.1") == 0


def test_a_registration_token_never_reaches_the_access_log():
    token = "zt4pex3v210HfcW1j0kuosuaLCxHASHQvoh0zjqPUHY"
    assert redact(f"/register/{token}") == "/register/…"
    assert redact(f"/register/{token}?x=1") == "/register/…?x=1"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "POST", f"/register/{token}", "1.1", 303), None)
    assert RedactTokens().filter(record)
    assert token not in record.getMessage() and "/register/…" in record.getMessage()


@pytest.mark.parametrize("path", [
    "/%72egister/{token}", "/register%2F{token}", "/%2572egister/{token}", "/REGISTER/{token}",
    "//register//{token}", "/register/{encoded}", "/password/reset/{token}", "/password%2freset/{token}?next=/",
    "/%70assword/reset/{token}",
], ids=lambda path: path)
def test_a_secret_path_segment_never_reaches_the_access_log_however_it_is_encoded(path):
    token = "zt4pex3v210HfcW1j0kuosuaLCxHASHQvoh0zjqPUHY"
    encoded = "".join(f"%{ord(character):02X}" for character in token)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", path.format(token=token, encoded=encoded), "1.1", 200),
                               None)
    assert RedactTokens().filter(record)
    logged = record.getMessage()
    assert token not in logged and encoded not in logged and "…" in logged


def test_a_path_without_a_secret_is_logged_as_it_was_sent():
    assert redact("/accounts/1001/audit?actor=alice%40example.com") == "/accounts/1001/audit?actor=alice%40example.com"
