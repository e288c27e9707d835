"""What one HTTP client may send or hold: a capped body, and bounded time to send headers and body.

uvicorn bounds the size of headers (`h11_max_incomplete_event_size`) and the idle time between
requests (`timeout_keep_alive`), but not the time a client takes to send a request: a client that
sends headers then stalls, or sends one byte a second, holds its connection for ever. Two pieces
close that: `BodyLimits`, an ASGI middleware that caps the body and the time to receive it, and
`TimedH11Protocol`, uvicorn's h11 protocol with a deadline for each request's headers.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import anyio
import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from domain.said import ENGLISH, Reader, Said
from languages import DEFAULT, from_accept_language, reader
from producers.services.api_messages import said
from producers.services.refusal import refused

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_HEADER_BYTES = 16 * 1024  # request line and headers (uvicorn's default, stated here)
KEEP_ALIVE_SECONDS = 5  # an idle kept-alive connection is closed after this (uvicorn's default)
_TIMEOUT_ANSWER = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
                   b"content-length: %d\r\n\r\n%s")


class _Refusal(Exception):
    def __init__(self, status: int, message: Said):
        super().__init__(message)
        self.status, self.message = status, message


def _refusal_body(status: int, message: Said, reading: Reader = ENGLISH) -> bytes:
    return json.dumps(refused(status, message).body(reading)).encode()


@dataclass(frozen=True)
class LargerBody:
    """The POST paths matching `path` (an upload) take a body up to `max_bytes` within `read_timeout` seconds.

    Such a route refuses an announced size over its cap itself, with a page saying so, before reading the body;
    here a body that streams past `max_bytes` is still cut off."""

    path: re.Pattern
    max_bytes: int
    read_timeout: float


class BodyLimits:
    """ASGI middleware: 413 for a body over `max_bytes` (announced, or counted as it streams in), 408 for
    a body not received within `read_timeout` seconds of the request's start; the connection is then closed.
    `larger`: the few routes (uploads) that have limits of their own."""

    def __init__(self, app, max_bytes: int, read_timeout: float, larger: tuple[LargerBody, ...] = ()):
        self.app, self.max_bytes, self.read_timeout, self.larger = app, max_bytes, read_timeout, larger

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        route = next((limit for limit in self.larger
                      if scope["method"] == "POST" and limit.path.fullmatch(scope["path"])), None)
        if route is not None:
            return await _Limited(self.app, route.max_bytes, route.read_timeout)(scope, receive, send)
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:  # refused before a byte of it is read
            return await _answer(send, 413, too_large(self.max_bytes), _reader_of(scope))
        await _Limited(self.app, self.max_bytes, self.read_timeout)(scope, receive, send)


class _Limited:
    """The body counted as it streams in, and timed."""

    def __init__(self, app, max_bytes: int, read_timeout: float):
        self.app, self.max_bytes, self.read_timeout = app, max_bytes, read_timeout

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        deadline = time.monotonic() + self.read_timeout
        received, complete, started = 0, False, False

        async def bounded_receive() -> Message:
            nonlocal received, complete
            if complete:
                return await receive()  # after the body: only a disconnect can come, whenever it does
            try:
                with anyio.fail_after(max(deadline - time.monotonic(), 0)):
                    message = await receive()
            except TimeoutError:
                raise _Refusal(408, said("body.too_slow", seconds=f"{self.read_timeout:g}")) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _Refusal(413, too_large(self.max_bytes))
                complete = not message.get("more_body", False)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracked_send)
        except _Refusal as refusal:
            if started:
                raise
            await _answer(send, refusal.status, refusal.message, _reader_of(scope))



def too_large(max_bytes: int) -> Said:
    """What a body over the limit is refused with (413), over HTTP and the broker alike."""
    return said("body.too_large", maximum=max_bytes)


def _reader_of(scope: Message) -> Reader:
    """The reader of the request's Accept-Language (English when it names no language envadmin speaks)."""
    asked = next((value for key, value in scope["headers"] if key == b"accept-language"), b"")
    return reader(from_accept_language(asked.decode("latin-1")) or DEFAULT)


async def _answer(send: Send, status: int, message: Said, reading: Reader = ENGLISH) -> None:
    """A JSON error that closes the connection: the rest of the body is never read."""
    body = _refusal_body(status, message, reading)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _content_length(scope: Message) -> int | None:
    """The announced body size; None when the body is chunked (the server checked the header's form)."""
    value = next((value for key, value in scope["headers"] if key == b"content-length"), None)
    return int(value) if value is not None and value.strip().isdigit() else None


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, where each request's headers must arrive within `read_timeout` seconds of
    the connection (or of the previous response): a client that sends them slowly, or half, is cut off."""

    read_timeout: float = 10.0
    _header_timer = None
    _waiting_after = None  # the request cycle that was current when the timer was armed

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._expect_request()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not self._waiting_after:  # a new request's headers are complete
            self._stop_timer()

    def on_response_complete(self) -> None:
        finished = self.cycle
        super().on_response_complete()
        if self.cycle is finished and not self.transport.is_closing():  # no pipelined request started
            self._expect_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def _expect_request(self) -> None:
        self._stop_timer()
        self._waiting_after = self.cycle
        self._header_timer = self.loop.call_later(self.read_timeout, self._too_slow)

    def _stop_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE and self.conn.trailing_data[0]:  # half a request's headers
            body = _refusal_body(408, said("request.headers_too_slow", seconds=f"{self.read_timeout:g}"))
            self.transport.write(_TIMEOUT_ANSWER % (len(body), body))
        self.transport.close()


def timed_h11_protocol(read_timeout: float) -> type[TimedH11Protocol]:
    """The protocol class to give uvicorn (`http=`), with this deadline for headers."""
    return type("TimedH11Protocol", (TimedH11Protocol,), {"read_timeout": read_timeout})
