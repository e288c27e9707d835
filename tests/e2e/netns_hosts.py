"""Worker "hosts" on this machine: each a network namespace with a veth pair to the root namespace and a host name
of its own (a UTS namespace), reaching PostgreSQL and RabbitMQ, which listen on 127.0.0.1 only, through socat
forwarders in the root namespace bound to its veth address. Needs root, `ip`, `unshare` and `socat`.

Everything made is recorded as it is made and undone by `Hosts.close()`, whatever state a failed test left.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

TOOLS = ("ip", "unshare", "socat")
FORWARD_WAIT_SECONDS = 10


def require_netns() -> None:
    """Skip loudly where namespaces cannot be made here; under CI=true, fail."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    problem = None
    if os.geteuid() != 0:
        problem = "network namespaces need root (ip netns add, unshare --uts)"
    elif missing:
        problem = f"missing tools: {', '.join(missing)}"
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{problem}: CI must run the two-host test")
    pytest.skip(f"SKIPPED LOUDLY: {problem}; the two worker hosts cannot be made on this machine")


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, text=True)


def through(url: str, address: str) -> str:
    """The URL with its host 127.0.0.1 replaced by `address` (where a socat forwarder listens)."""
    parts = urlsplit(url)
    netloc = parts.netloc.replace("127.0.0.1", address).replace("localhost", address)
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Host:
    """One namespace: `address` is the root namespace's end of its veth pair, where its forwarders listen."""

    name: str
    namespace: str
    address: str
    own_address: str
    folder: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        """Run `argv` in the namespace, under this host's name, in a session of its own; output to `log`."""
        command = ["ip", "netns", "exec", self.namespace, "unshare", "--uts", "--",
                   "sh", "-c", 'hostname "$0" && exec "$@"', self.name, *argv]
        with log.open("ab") as out:
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True, cwd=self.folder)
        self.processes.append(process)
        return process

    def alive(self) -> bool:
        """Whether a process it started still runs (ip netns exec, unshare and sh each exec the next: the process
        started is the program's own)."""
        return any(process.poll() is None for process in self.processes)

    def pids(self) -> list[int]:
        """Every process running in the namespace."""
        listed = subprocess.run(["ip", "netns", "pids", self.namespace], capture_output=True, text=True)
        return [int(pid) for pid in listed.stdout.split()]

    def kill(self, timeout: float = 30) -> int:
        """SIGKILL every process of the host, until none is left: the number killed."""
        killed: set[int] = set()
        deadline = time.monotonic() + timeout
        while True:
            left = self.pids()
            if not left:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"processes of {self.name} still alive after SIGKILL: {left}")
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        for process in self.processes:
            process.wait(timeout)
        return len(killed)

    def stop(self, pids: list[int]) -> None:
        """SIGSTOP: the processes hold what they hold, and take nothing more."""
        for pid in pids:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass


class Hosts:
    """The hosts made, their veths and forwarders; `close()` removes them all."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.tag = f"{os.getpid() % 10000:04d}{random.randrange(100):02d}"
        self.subnet = random.randrange(16, 250)  # 10.27.<subnet>.0/24, four addresses a host
        self.hosts: list[Host] = []
        self.namespaces: list[str] = []
        self.veths: list[str] = []
        self.forwarders: list[subprocess.Popen] = []

    def add(self, name: str, forward_ports: tuple[int, ...]) -> Host:
        index = len(self.hosts)
        namespace, outer, inner = f"ea{self.tag}h{index}", f"ea{self.tag}o{index}", f"ea{self.tag}i{index}"
        address, own = f"10.27.{self.subnet}.{4 * index + 1}", f"10.27.{self.subnet}.{4 * index + 2}"
        _run("ip", "netns", "add", namespace)
        self.namespaces.append(namespace)
        _run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
        self.veths.append(outer)
        _run("ip", "link", "set", inner, "netns", namespace)
        _run("ip", "addr", "add", f"{address}/30", "dev", outer)
        _run("ip", "link", "set", outer, "up")
        for step in (("addr", "add", f"{own}/30", "dev", inner), ("link", "set", inner, "up"),
                     ("link", "set", "lo", "up")):
            _run("ip", "netns", "exec", namespace, "ip", *step)
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        for port in forward_ports:
            self._forward(address, port, folder / f"socat-{port}.log")
        host = Host(name, namespace, address, own, folder)
        self.hosts.append(host)
        return host

    def _forward(self, address: str, port: int, log: Path) -> None:
        with log.open("ab") as out:
            self.forwarders.append(subprocess.Popen(
                ["socat", f"TCP-LISTEN:{port},bind={address},reuseaddr,fork", f"TCP:127.0.0.1:{port}"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + FORWARD_WAIT_SECONDS
        while True:
            try:
                socket.create_connection((address, port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"socat forwarding {address}:{port} to 127.0.0.1 did not listen: "
                                         f"{log.read_text(errors='replace')}") from None
                time.sleep(0.05)

    def close(self) -> list[str]:
        """Kill what runs in the namespaces, stop the forwarders (their forked children with them), delete the
        namespaces and veths; what could not be undone, as sentences."""
        problems = []
        for host in self.hosts:
            try:
                host.kill()
            except Exception as error:
                problems.append(f"{host.name}: {error}")
        for forwarder in self.forwarders:
            try:
                os.killpg(forwarder.pid, signal.SIGKILL)  # socat's forked children share its session
            except ProcessLookupError:
                pass
            forwarder.wait(10)
        for namespace in self.namespaces:
            removed = subprocess.run(["ip", "netns", "del", namespace], capture_output=True, text=True)
            if removed.returncode != 0:
                problems.append(f"ip netns del {namespace}: {removed.stderr.strip()}")
        for veth in self.veths:  # gone with its peer's namespace, unless that was never moved there
            if subprocess.run(["ip", "link", "show", veth], capture_output=True).returncode == 0:
                subprocess.run(["ip", "link", "del", veth], capture_output=True)
        return problems
