"""An SMTP server that accepts every mail and keeps none: where the benchmark's invite mails go.

In production the worker hands invites to an SMTP server (Mailpit in docker-compose.yml); this stands in
for it, in a process of its own. Usage: python -m bench.smtp_sink PORT
"""
from __future__ import annotations

import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 accepted"


def main(argv: list[str]) -> int:
    controller = Controller(Discard(), hostname="127.0.0.1", port=int(argv[0]))
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print("ready", flush=True)
    stopped.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
