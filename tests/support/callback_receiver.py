"""A callback endpoint for tests: a real HTTP server on 127.0.0.1 that records each POST and answers the status a
test sets."""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator


@dataclass(frozen=True)
class Received:
    """One POST as it arrived: its headers (names in lower case) and its body's bytes."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class CallbackReceiver:
    """What a test's endpoint received, and what it answers next (`status`, 204 unless set)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 204
        self._lock = threading.Lock()
        self.url = ""

    def record(self, request: Received) -> int:
        with self._lock:
            self.received.append(request)
            return self.status

    def bodies(self) -> list[dict]:
        with self._lock:
            return [request.json() for request in self.received]


@contextmanager
def callback_receiver() -> Iterator[CallbackReceiver]:
    """A receiver listening on a free port of 127.0.0.1 until the block ends; its `url` takes the POSTs."""
    receiver = CallbackReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            status = receiver.record(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args) -> None:  # quiet: the test reads `received`
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/envadmin"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
