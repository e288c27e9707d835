"""Posts callback bodies over kept-alive HTTP/1.1 connections, a few idle ones kept per origin, from many threads
at once.

The standard library's http.client speaks the protocol: one post costs about a fifth of the CPU an httpx post does
(bench/README.md), and the sender makes one per outcome. HTTPS checks the endpoint's certificate against the
system's authorities. An endpoint may close a connection while it is idle: the post that finds it closed is made
once more on a new connection (a receiver dedupes by webhook-id, so a post that did arrive costs nothing twice).
Proxies named in the environment are not used: callbacks go straight to their endpoint.
"""
from __future__ import annotations

import http.client
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_BODY = 64 * 1024  # bytes of an answer read; a longer one closes its connection instead of being drained
FAST_SECONDS = 0.005  # an endpoint whose recent answers came within this answers fast (see answers_fast)
STALE = (http.client.RemoteDisconnected, http.client.BadStatusLine, BrokenPipeError, ConnectionResetError)
NoAnswer = (OSError, http.client.HTTPException)  # refused, timed out, TLS refused, not HTTP: no status to record


@dataclass(frozen=True)
class Answer:
    """The endpoint's status, and the start of what it said."""

    status: int
    text: str


Origin = tuple[str, str, int]


def origin_of(url: str) -> Origin:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


class CallbackPoster:
    """Posts to any http(s) URL; thread-safe. `connect_timeout` bounds the connection (and TLS handshake),
    `timeout` each read and write after it."""

    def __init__(self, timeout: float, connect_timeout: float, user_agent: str, idle_per_origin: int = 16):
        self.timeout, self.connect_timeout, self.user_agent = timeout, connect_timeout, user_agent
        self.idle_per_origin = idle_per_origin
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._answer_seconds: dict[Origin, float] = {}  # a moving average of each origin's answer times
        self._lock = threading.Lock()
        self._tls = ssl.create_default_context()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        """POST `body`; the answer, or raises one of NoAnswer."""
        parts = urlsplit(url)
        origin = origin_of(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"user-agent": self.user_agent, **headers}
        connection, reused = self._take(origin)
        try:
            return self._exchange(origin, connection, target, body, headers)
        except STALE:
            connection.close()
            if not reused:
                raise
        except BaseException:
            connection.close()
            raise
        connection = self._connect(origin)
        try:
            return self._exchange(origin, connection, target, body, headers)
        except BaseException:
            connection.close()
            raise

    def answers_fast(self, origin: Origin) -> bool:
        """Whether the origin's recent answers came within FAST_SECONDS (False for one not posted to yet). Posts to
        such an endpoint are cheaper one after the other from one thread than from many: threads would save little
        waiting, and each socket operation of each thread costs a handover of the interpreter's lock."""
        with self._lock:
            return self._answer_seconds.get(origin, FAST_SECONDS) < FAST_SECONDS

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _exchange(self, origin: Origin, connection: http.client.HTTPConnection, target: str, body: bytes,
                  headers: dict[str, str]) -> Answer:
        started = time.perf_counter()
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read(MAX_BODY)
        finally:  # a post that times out counts too: its endpoint is not answering fast any more
            self._note_answer(origin, time.perf_counter() - started)
        if response.isclosed() and not response.will_close:
            self._give_back(origin, connection)
        else:
            connection.close()
        return Answer(response.status, text[:200].decode("utf-8", "replace"))

    def _note_answer(self, origin: Origin, seconds: float) -> None:
        with self._lock:
            before = self._answer_seconds.get(origin)
            self._answer_seconds[origin] = seconds if before is None else 0.8 * before + 0.2 * seconds

    def _take(self, origin: Origin) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(origin)
            if idle:
                return idle.pop(), True
        return self._connect(origin), False

    def _give_back(self, origin: Origin, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self.idle_per_origin:
                idle.append(connection)
                return
        connection.close()

    def _connect(self, origin: Origin) -> http.client.HTTPConnection:
        scheme, host, port = origin
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=self.connect_timeout, context=self._tls)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.connect_timeout)
        try:
            connection.connect()
        except BaseException:
            connection.close()
            raise
        connection.sock.settimeout(self.timeout)
        return connection
