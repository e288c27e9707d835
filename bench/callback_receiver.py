"""The callback endpoint of the upstream benchmark: an HTTP server that answers every POST 204 at once, counts each
outcome event by its webhook-id, and checks the Standard Webhooks signature of one delivery in SAMPLE_EVERY.

It stands in for the upstream system's endpoint, which should answer quickly and work later: a plain asyncio
server reading HTTP/1.1 requests with a Content-Length (as the worker's httpx client sends them), keep-alive, no
framework. `GET /stats` gives the counts, `GET /stats/full` each command's outcomes too.
Usage: BENCH_WEBHOOK_SECRET=whsec_… python -m bench.callback_receiver PORT
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from standardwebhooks import Webhook

from bench.outcome_tally import OutcomeTally

SAMPLE_EVERY = 100  # deliveries per signature checked: verifying each would cost more than the rest of the server
NO_CONTENT = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"


class Receiver:
    def __init__(self, secret: str):
        self.webhook = Webhook(secret)
        self.tally = OutcomeTally()
        self.signatures = {"checked": 0, "bad": 0, "bad_examples": []}
        self.not_events = 0

    def delivered(self, body: bytes, headers: dict[str, str]) -> None:
        try:
            event = json.loads(body)
        except ValueError:
            self.not_events += 1
            return
        if self.tally.deliveries % SAMPLE_EVERY == 0:
            self.check_signature(body, headers)
        self.tally.record(event)

    def check_signature(self, body: bytes, headers: dict[str, str]) -> None:
        self.signatures["checked"] += 1
        try:
            self.webhook.verify(body, headers)
        except Exception as error:  # noqa: BLE001 - whatever the verifier refuses is a bad signature
            self.signatures["bad"] += 1
            if len(self.signatures["bad_examples"]) < 3:
                self.signatures["bad_examples"].append(f"{type(error).__name__}: {error}")

    def stats(self, full: bool) -> bytes:
        figures = self.tally.figures() if full else self.tally.counts()
        body = json.dumps({**figures, "signatures": self.signatures, "not_events": self.not_events}).encode()
        return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
            len(body), body)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, path = request_line.split(" ", 2)[:2]
                headers = {}
                for line in lines:
                    name, _, value = line.partition(":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                if method == "POST":
                    self.delivered(body, headers)
                    writer.write(NO_CONTENT)
                else:
                    writer.write(self.stats(full=path.startswith("/stats/full")))
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError,
                asyncio.CancelledError):  # cancelled: the server is stopping, and its open connections with it
            pass
        finally:
            writer.close()


async def main(port: int) -> None:
    receiver = Receiver(os.environ["BENCH_WEBHOOK_SECRET"])
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", port, backlog=512)
    stopped = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    print("ready", flush=True)
    async with server:
        await stopped.wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
