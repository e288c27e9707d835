"""A fork server for the CLI runs of the e2e tests: one process per test process imports the CLI once, and each
`envadmin ARGS` a test runs is a process forked from it that runs the CLI as `python -m producers.cli ARGS` does.

Starting Python and importing the CLI (SQLAlchemy, Celery, Alembic, psycopg, Typer, Rich…) takes about 1.5 s of
CPU a run, 4 s with the suite's three processes on two cores, and the e2e tests run the CLI hundreds of times. A
forked run is still a process of its own: its own argv, environment (the settings are read from it at run time),
working folder, stdin, stdout, stderr, exit code and signals; only the import is shared. Nothing of the CLI is read
from the environment at import time. The CLI's own start-up from a fresh interpreter stays tested where the tests
run the `envadmin` script (test_readme, test_demo, test_first_contact) and the workers and web servers they start.

The test process side is `cli_command()`: the argv of a small launcher (cli_launcher.py, `python -S`) that hands
its argv, environment, folder and standard streams to the server and exits as the forked CLI exited. Run as a
script, this file is the server: `python cli_forks.py SOCKET` (its stdin a pipe from the test process: when that
closes, the server and any CLI still running end).
"""
from __future__ import annotations

import atexit
import json
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

START_TIMEOUT = 60  # seconds for the server to import the CLI
LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cli_launcher.py")


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the launcher went away mid-request")
        data += chunk
    return data


def _serve(path: str) -> tuple[list[int], dict] | None:
    """Serve requests until the test process goes away (None). In a forked child: its stdio and the request."""
    import producers.cli.main  # noqa: F401  (the import every run shares)

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".tmp")
    listener.listen(64)
    os.rename(path + ".tmp", path)  # connectable once the path exists
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, ("accept",))
    selector.register(0, selectors.EVENT_READ, ("parent",))
    running: dict[int, tuple[int, socket.socket]] = {}  # pid -> (pidfd, connection to its launcher)
    while True:
        for key, _ in selector.select():
            kind = key.data[0]
            if kind == "parent":
                if os.read(0, 4096) == b"":  # the test process is gone: so is every run it started
                    for pid in running:
                        os.kill(pid, signal.SIGKILL)
                    return None
            elif kind == "accept":
                conn, _ = listener.accept()
                try:
                    header, fds, _, _ = socket.recv_fds(conn, 4, 3)
                    request = json.loads(_recv_exact(conn, struct.unpack("!I", header)[0]))
                except (ConnectionError, OSError, struct.error, ValueError):
                    conn.close()
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    listener.close()
                    for pidfd, other in running.values():
                        os.close(pidfd)
                        other.close()
                    conn.close()
                    return fds, request
                for fd in fds:
                    os.close(fd)
                pidfd = os.pidfd_open(pid)
                running[pid] = (pidfd, conn)
                selector.register(pidfd, selectors.EVENT_READ, ("exited", pid))
                selector.register(conn, selectors.EVENT_READ, ("launcher", pid))
            elif kind == "exited":
                pid = key.data[1]
                pidfd, conn = running.pop(pid)
                _, status = os.waitpid(pid, 0)
                selector.unregister(pidfd)
                os.close(pidfd)
                if conn.fileno() != -1:
                    selector.unregister(conn)
                    try:
                        conn.sendall(struct.pack("!i", os.waitstatus_to_exitcode(status)))
                    except OSError:
                        pass
                    conn.close()
            elif kind == "launcher":  # the launcher never sends more: readable means it went away (a timeout)
                pid = key.data[1]
                conn = running[pid][1]
                selector.unregister(conn)
                conn.close()
                os.kill(pid, signal.SIGKILL)


def _run_cli(fds: list[int], request: dict) -> None:
    """In the forked child: become `python -m producers.cli ARGS` with the launcher's stdio, environment and folder."""
    import runpy

    for number, fd in enumerate(fds):
        os.dup2(fd, number)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.path[0] = request["cwd"]  # as `python -m` puts the working folder first
    sys.argv = ["-m", *request["args"]]  # runpy sets argv[0] to the module's file, as `python -m` does
    runpy.run_module("producers.cli", run_name="__main__", alter_sys=True)


class ForkServer:
    """The server of this test process, started on first use; it ends with the test process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._socket = ""

    def command(self) -> list[str]:
        """The argv prefix that runs the CLI through the server: append the CLI's arguments."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()
            return [sys.executable, "-S", LAUNCHER, self._socket]

    def _start(self) -> None:
        folder = tempfile.mkdtemp(prefix="envadmin-cli-")
        self._socket = os.path.join(folder, "cli.sock")
        log = open(os.path.join(folder, "server.log"), "ab")
        environ = {k: v for k, v in os.environ.items() if not k.startswith("ENVADMIN_")}
        self._process = subprocess.Popen([sys.executable, os.path.abspath(__file__), self._socket],
                                         stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, env=environ,
                                         cwd=folder)
        log.close()
        atexit.register(self._stop, self._process, folder)
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(self._socket):
            if self._process.poll() is not None or time.monotonic() > deadline:
                with open(os.path.join(folder, "server.log"), errors="replace") as text:
                    raise RuntimeError(f"the CLI fork server did not start:\n{text.read()[-4000:]}")
            time.sleep(0.02)

    @staticmethod
    def _stop(process: subprocess.Popen, folder: str) -> None:
        process.stdin.close()  # the server's cue to end
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)


FORK_SERVER = ForkServer()


if __name__ == "__main__":
    child = _serve(sys.argv[1])
    if child is not None:
        _run_cli(*child)
