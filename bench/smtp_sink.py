"""An SMTP server that accepts every mail and keeps none: where the benchmark's invite mails go.

In production the worker hands invites to an SMTP server (Mailpit in docker-compose.yml); this stands in
for it. Like a mail server, it takes sessions in parallel: PROCESSES processes listen on the same port
(SO_REUSEPORT), and the kernel spreads the worker's sessions over them. In one process, aiosmtpd spent about
0.9 ms of CPU per invite mail and set the pace of delivery on its own. Usage: python -m bench.smtp_sink PORT
"""
from __future__ import annotations

import asyncio
import multiprocessing
import signal
import sys
import threading

from aiosmtpd.smtp import SMTP

PROCESSES = 2  # as many as the worker's processes, which send at the same time
READY_SECONDS = 10


class Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 accepted"


def serve(port: int, ready) -> None:
    """One process of the sink: aiosmtpd's SMTP protocol on a listening socket it shares (SO_REUSEPORT)."""
    loop = asyncio.new_event_loop()
    loop.run_until_complete(loop.create_server(lambda: SMTP(Discard()), host="127.0.0.1", port=port,
                                               reuse_port=True))
    ready.release()
    loop.run_forever()  # until the parent terminates it


def main(argv: list[str]) -> int:
    port = int(argv[0])
    ready = multiprocessing.Semaphore(0)
    processes = [multiprocessing.Process(target=serve, args=(port, ready), daemon=True) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    for _ in processes:
        if not ready.acquire(timeout=READY_SECONDS):  # one could not listen: say nothing, the harness stops
            for process in processes:
                process.terminate()
            return 1
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print("ready", flush=True)
    stopped.wait()
    for process in processes:
        process.terminate()
        process.join(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
