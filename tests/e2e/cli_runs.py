"""Running the CLI as users do, in a subprocess on a stack's settings, and what tests check of each run."""
from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings
from producers.services.client import Client

from ..support.builders import account_with_admin, mailbox_proven
from .cli_forks import FORK_SERVER, LAUNCHER

CLI_TIMEOUT = 60  # seconds any one CLI run may take before the test fails


@dataclass
class CliStack:
    """Settings shared by the CLI and (when running) a worker, and a runner for the CLI."""

    name: str
    settings: Settings
    env: dict[str, str]
    cwd: Path
    client: Client | None = None

    def open_account(self, account: str, admin: str) -> None:
        """Set-up through the library, not the CLI (faster): the account with its first admin, applied.

        An admin who already has a user (a module's tests share a store) counts as having proven the mailbox, as
        a real administrator has: else the new account's grant would wait for them to register."""
        mailbox_proven(self.client.engine, admin)
        receipt = self.client.submit([account_with_admin(account, admin)])
        final = self.client.wait(receipt.ids, timeout=30)
        assert final == {receipt.ids[0]: "applied"}, final

    def cli(self, *args: str, input: str | None = None,
            timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess:
        """`envadmin ARGS` in a process of its own (forked from one that has imported the CLI: cli_forks.py);
        its exit code, stdout and stderr."""
        return subprocess.run([*FORK_SERVER.command(), *args], input=input, env=self.env,
                              cwd=self.cwd, capture_output=True, text=True, timeout=timeout)

    def cli_many(self, calls: list[tuple[list[str], str | None]]) -> list[subprocess.CompletedProcess]:
        """Independent CLI runs side by side (each run is mostly interpreter start-up), in order."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda call: self.cli(*call[0], input=call[1]), calls))

    def cli_json(self, *args: str, input: str | None = None, expect: int = 0) -> dict:
        """`envadmin ARGS --json`: exactly one JSON object on stdout, and the expected exit code."""
        return one_json_object(self.cli(*args, "--json", input=input), expect)


def one_json_object(result: subprocess.CompletedProcess, expect: int) -> dict:
    """The one JSON object a --json run printed; its exit code must be `expect`, with no traceback."""
    assert result.returncode == expect, describe(result)
    assert "Traceback" not in result.stderr, describe(result)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, describe(result)
    data = json.loads(lines[0])
    assert isinstance(data, dict), describe(result)
    return data


def describe(result: subprocess.CompletedProcess) -> str:
    shown = result.args[4:] if LAUNCHER in result.args else result.args[3:]  # the CLI's arguments
    return (f"$ {' '.join(shown)}\nexit {result.returncode}\n"
            f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}")


def assert_usage_error(result: subprocess.CompletedProcess, *words: str) -> None:
    """Exit 2, nothing on stdout, one clear sentence on stderr naming the field, no traceback."""
    assert result.returncode == 2, describe(result)
    assert result.stdout == "", describe(result)
    assert result.stderr.startswith("error: "), describe(result)
    assert "Traceback" not in result.stderr, describe(result)
    for word in words:
        assert word in result.stderr, describe(result)
