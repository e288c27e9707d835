"""What one HTTP client may send or hold: nesting, body size, and the time to send headers and body.

Timing is tested with real sockets against a real `envadmin api` subprocess (uvicorn), with a short
read timeout from its setting; the rest through a TestClient on the embedded store.
"""
from __future__ import annotations

import json
import select
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from producers.http_app import create_http_app

from ..support.services import free_port
from ..support.stack_settings import clean_environ, make_settings, settings_env
from ..support.waiting import wait_until
from .api_calls import PASSWORD_HASH, add_user, grant

TOKEN = "limits-token-" + uuid4().hex
AUTH = {"Authorization": f"Bearer {TOKEN}"}
READ_TIMEOUT = 1.0  # seconds, the setting the subprocess gets
MAX_BODY = 1024 * 1024  # the default cap
GRACE = 4.0  # seconds on top of READ_TIMEOUT a test waits before it calls the server stuck


def answers(port: int) -> bool:
    """Whether the server answers its health check (with the token)."""
    request = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
               + b"\r\nConnection: close\r\n\r\n")
    try:
        return exchange(port, request, wait=2.0).status == b"HTTP/1.1 200 OK"
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real `envadmin api` on the embedded store, with a read timeout of READ_TIMEOUT; its port."""
    folder = tmp_path_factory.mktemp("api-limits")
    settings = make_settings(folder / "var", None, None)
    env = {**clean_environ(), **settings_env(settings), "ENVADMIN_API_TOKEN": TOKEN,
           "ENVADMIN_API_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT)}
    port = free_port()
    log = open(folder / "api.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "producers.cli", "api", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)
    try:
        def up() -> bool:
            assert process.poll() is None, (folder / "api.log").read_text()
            return answers(port)

        wait_until(up, lambda: f"envadmin api to answer:\n{(folder / 'api.log').read_text()}", timeout=60, poll=0.2)
        yield port
    finally:
        process.terminate()
        process.wait(20)
        log.close()


@dataclass
class Exchange:
    """What the server did with what a client sent."""

    answer: bytes  # everything it wrote before closing (b"" if it closed without a word, or never answered)
    seconds: float  # from the connection to the server's close (`wait` if it never closed)
    parts_sent: int  # how many parts the client sent before the server answered or closed

    @property
    def status(self) -> bytes:
        return self.answer.split(b"\r\n", 1)[0]


def exchange(port: int, *parts: bytes, pause: float = 0.0, wait: float = READ_TIMEOUT + GRACE,
             stop_early: bool = True) -> Exchange:
    """Send the parts, pausing between them (and, if `stop_early`, stopping once the server answers or
    closes); then read until the server closes, for at most `wait` seconds."""
    started = time.monotonic()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as connection:
        try:
            for part in parts:
                if stop_early and select.select([connection], [], [], 0)[0]:
                    break  # the server answered or closed: it does not wait for the rest
                connection.sendall(part)
                sent += 1
                time.sleep(pause)
        except OSError:
            pass
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except socket.timeout:
            return Exchange(answer, wait, sent)
        except OSError:
            pass
    return Exchange(answer, time.monotonic() - started, sent)


def post_head(length: int | None, extra: bytes = b"") -> bytes:
    size = b"Transfer-Encoding: chunked\r\n" if length is None else b"Content-Length: %d\r\n" % length
    return (b"POST /v1/commands HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n"
            b"Content-Type: application/json\r\n" + size + extra + b"\r\n")


def test_a_client_that_sends_headers_then_stalls_is_cut_off(server):
    cut = exchange(server, post_head(100), b'{"type": "grant_')
    assert cut.status == b"HTTP/1.1 408 Request Timeout", cut
    assert b"body: not received within 1 s" in cut.answer and cut.seconds < READ_TIMEOUT + GRACE, cut


def test_a_body_sent_too_slowly_is_cut_off_even_while_bytes_keep_coming(server):
    drip = [b"1\r\n \r\n"] * 30  # a chunk of one space every 0.2 s: 6 s in all
    cut = exchange(server, post_head(None), *drip, pause=0.2)
    assert cut.status == b"HTTP/1.1 408 Request Timeout", cut
    assert cut.parts_sent < len(drip) and cut.seconds < READ_TIMEOUT + GRACE, cut  # cut off before the drip ends


def test_headers_sent_too_slowly_are_cut_off(server):
    drip = [b"POST /v1/commands HTTP/1.1\r\n"] + [b"X-Slow-%d: y\r\n" % i for i in range(30)]
    cut = exchange(server, *drip, pause=0.2)  # a header line every 0.2 s, never the blank line
    assert cut.status == b"HTTP/1.1 408 Request Timeout", cut
    assert cut.parts_sent < len(drip) and cut.seconds < READ_TIMEOUT + GRACE, cut  # cut off before the drip ends
    half = exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # half a request, then nothing
    assert half.status == b"HTTP/1.1 408 Request Timeout" and half.seconds < READ_TIMEOUT + GRACE, half
    silent = exchange(server)  # a connection that sends nothing at all
    assert silent.seconds < READ_TIMEOUT + GRACE, silent
    huge = exchange(server, b"GET /healthz HTTP/1.1\r\nX-Huge: " + b"h" * 20_000 + b"\r\n\r\n")
    assert huge.status == b"HTTP/1.1 400 Bad Request", huge  # headers over 16 KiB


def test_a_declared_body_over_the_cap_is_refused_before_it_is_read(server):
    refused = exchange(server, post_head(60 * 1024 * 1024))  # 60 MB announced, none sent
    assert refused.status == b"HTTP/1.1 413 Request Entity Too Large" and refused.seconds < 0.5, refused
    assert b"body: at most 1048576 bytes" in refused.answer


def test_a_chunked_body_over_the_cap_is_refused_once_the_cap_is_passed(server):
    chunk = b" " * 65536
    parts = [post_head(None)] + [b"%x\r\n" % len(chunk) + chunk + b"\r\n"] * 40  # 2.5 MiB, never ended
    refused = exchange(server, *parts, pause=0.01)
    assert refused.status == b"HTTP/1.1 413 Request Entity Too Large", refused.status
    assert refused.parts_sent < 30, refused.parts_sent


def test_kept_alive_and_pipelined_requests_are_still_served(server):
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n\r\n"
    last = request.replace(b"Host: x\r\n", b"Host: x\r\nConnection: close\r\n")
    pipelined = exchange(server, request + request + last)
    kept_alive = exchange(server, request, request, last, pause=0.3, stop_early=False)
    for served in (pipelined, kept_alive):
        assert served.answer.count(b"HTTP/1.1 200 OK") == 3, served


def test_envadmin_api_serves_the_api_alone_without_the_pages(server):
    page = exchange(server, b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert page.status == b"HTTP/1.1 404 Not Found" and b'{"detail":"Not Found"}' in page.answer, page


@pytest.fixture
def api(tmp_path):
    app = create_http_app(make_settings(tmp_path / "var", None, None), pages=False, token=TOKEN)
    with TestClient(app, headers=AUTH) as client:
        yield client


@pytest.mark.parametrize("depth", [40, 600, 100_000])
def test_a_deeply_nested_body_is_refused_with_a_clear_message(api, depth):
    nested = "[" * depth + "]" * depth
    for body in (nested, '{"type": "grant_admin", "actor": "support", "account": "1", "email": ' + nested + "}",
                 '{"commands": [' + '{"a": ' * depth + "1" + "}" * depth + "]}"):
        response = api.post("/v1/commands", content=body.encode())
        assert response.status_code in (400, 422), response.text
        if depth > 1000:  # deeper than Python's recursion limit: not read at all
            assert response.json()["errors"][0]["message"].startswith("body: JSON nested too deeply")


def test_a_body_over_the_cap_is_refused_with_413_and_one_of_1000_commands_fits(api):
    big = {"commands": [add_user(f"user-{i:04}@example.com") for i in range(1000)]}
    body = json.dumps(big).encode()
    assert PASSWORD_HASH in body.decode() and len(body) < MAX_BODY
    assert api.post("/v1/commands", content=body).status_code == 202
    over = b" " * (MAX_BODY + 1)
    response = api.post("/v1/commands", content=over)
    assert response.status_code == 413 and "at most 1048576 bytes" in response.json()["errors"][0]["message"]
    chunked = api.post("/v1/commands", content=iter([b" " * 65536] * 17))  # no Content-Length
    assert chunked.status_code == 413, chunked.text


ECHO = 80  # characters of a submitted value an error message may repeat


def assert_brief(message: str, value: str) -> None:
    """The message names the problem without repeating more than ECHO characters of `value`, nor a control."""
    assert value[:ECHO] in message or repr(value)[1:ECHO] in message, message
    assert value[:ECHO + 1] not in message and "…" in message, message
    assert message.isprintable(), message
    assert len(message) < 600, len(message)


def test_errors_echo_no_more_than_80_characters_of_what_was_sent(api):
    long = "x" * 100_000
    cases = [
        ({"type": long, "actor": "support", "account": "1"}, long, "type: unknown command type"),
        (grant("bob@example.com") | {"account": "1" * 50_000}, "1" * 50_000, "account number: malformed"),
        (grant("b" * 200), "b" * 200, "email: invalid email"),
        (grant("bob@example.com") | {"actor": "a" * 200}, "a" * 200, "actor: actor must be an email"),
        (grant("bob@example.com") | {"k" * 10_000: 1}, "k" * 10_000, "'kkk"),
        (grant("bob@example.com") | {"\x1b[2J" + "e" * 100: 1}, "\x1b[2J" + "e" * 100, "'\\x1b[2J"),
        ({"type": "\x1b[31m" + "r" * 100, "actor": "support", "account": "1"}, "\x1b[31m" + "r" * 100, "type: "),
    ]
    for body, value, start in cases:
        response = api.post("/v1/commands", json=body)
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error["message"].startswith(start), error
        assert_brief(error["message"], value)
    for path, value in ((f"/v1/commands/{long[:5000]}", long[:5000]),
                        (f"/v1/accounts/{'9' * 5000}/admins", "9" * 5000)):
        response = api.get(path)
        assert response.status_code == 422, response.text
        assert_brief(response.json()["errors"][0]["message"], value)


def test_a_wrapper_with_thousands_of_unknown_fields_gets_a_short_answer(api):
    body = {"commands": [grant("bob@example.com")]} | {f"extra-{i}": 1 for i in range(10_000)}
    response = api.post("/v1/commands", json=body)
    assert response.status_code == 422
    assert len(response.content) < 2000, len(response.content)
    assert "extra-0: is not a known field" in response.text and "9990 more" in response.text
