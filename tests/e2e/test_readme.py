"""The README's story works as written: every `sh` block, in order, after `envadmin demo`, in a fresh folder.

A line `#   text` under a command is what that command prints (`…` stands for anything on that line); each must
appear in the command's output, in order. Every command must exit 0 (the README writes `|| echo "exit $?"`
where it shows a refusal).
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ..support.stack_settings import clean_environ
from .web_server import WebServer

README = Path(__file__).resolve().parents[2] / "README.md"
OUTPUT_PREFIX = "#   "
STEP_MARK = "@@readme-step"
STORY_TIMEOUT = 240


@dataclass
class Step:
    """One command of the story, as pasted, and the lines it must print."""

    command: str
    expected: list[str] = field(default_factory=list)


def story_steps(markdown: str) -> list[Step]:
    steps: list[Step] = []
    for block in re.findall(r"^```sh\n(.*?)^```$", markdown, flags=re.S | re.M):
        lines = block.splitlines()
        while lines:
            line = lines.pop(0)
            if line.startswith(OUTPUT_PREFIX):
                steps[-1].expected.append(line[len(OUTPUT_PREFIX):])
                continue
            heredoc = re.search(r"<<'(\w+)'", line)
            while heredoc and lines:
                line += "\n" + lines.pop(0)
                if line.endswith("\n" + heredoc.group(1)):
                    break
            steps.append(Step(line))
    return steps


def script(steps: list[Step]) -> str:
    parts = ["set -u"]
    for number, step in enumerate(steps):
        parts += [step.command, f'rc=$?; echo; echo "{STEP_MARK} {number} $rc"', '[ "$rc" -eq 0 ] || exit 97']
    return "\n".join(parts) + "\n"


def outputs(transcript: str) -> dict[int, tuple[int, list[str]]]:
    found, lines = {}, []
    for line in transcript.splitlines():
        mark = re.fullmatch(rf"{STEP_MARK} (\d+) (\d+)", line)
        if mark:
            found[int(mark.group(1))] = (int(mark.group(2)), lines)
            lines = []
        else:
            lines.append(line.rstrip())
    return found


def pattern(expected: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in expected.split("…")))


def missing_lines(expected: list[str], printed: list[str]) -> list[str]:
    """The expected lines not found in order in what was printed."""
    position = 0
    for index, line in enumerate(expected):
        wanted = pattern(line)
        while position < len(printed) and not wanted.fullmatch(printed[position]):
            position += 1
        if position == len(printed):
            return expected[index:]
        position += 1
    return []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_web_server_started_on_the_demos_store_opens_ops_metrics_and_the_api(tmp_path):
    """The set-up block that starts `envadmin web` after the demo sets what /ops, /metrics and /v1 need: its exports,
    run as written, give a server on which each answers (not 503)."""
    [block] = [block for block in re.findall(r"^```shell\n(.*?)^```$", README.read_text(), flags=re.S | re.M)
               if "envadmin web > var/web.log" in block and "envadmin admin" not in block]
    exports = [line for line in block.splitlines() if line.startswith("export ")]
    shown = subprocess.run(["bash", "-c", "\n".join([*exports, "env -0"])], env=clean_environ(),
                           capture_output=True, text=True, check=True).stdout
    env = dict(entry.split("=", 1) for entry in shown.split("\0") if entry)
    server = WebServer(tmp_path / "web.log", env, tmp_path).start()
    try:
        server.wait_until_ready()
        with httpx.Client(base_url=server.url) as http:
            ops = http.get("/ops", auth=("ops", env["ENVADMIN_OPS_PASSWORD"]))
            metrics = http.get("/metrics", auth=("ops", env["ENVADMIN_OPS_PASSWORD"]))
            api = http.get("/v1/status", headers={"Authorization": f"Bearer {env['ENVADMIN_API_TOKEN']}"})
    finally:
        server.stop()
    assert [ops.status_code, metrics.status_code, api.status_code] == [200, 200, 200], (ops.text, api.text,
                                                                                        server.log())


def test_the_story_parser_keeps_heredocs_whole_and_outputs_with_their_command():
    steps = story_steps("```sh\ncat > f <<'EOF'\na\nEOF\necho hi\n#   hi\n```\n```shell\nnot run\n```\n")

    assert [s.command for s in steps] == ["cat > f <<'EOF'\na\nEOF", "echo hi"]
    assert steps[1].expected == ["hi"]
    assert missing_lines(["a …", "c"], ["a b", "x", "c"]) == []
    assert missing_lines(["c", "a …"], ["a b", "c"]) == ["a …"]


def test_the_readme_examples_succeed_in_order_after_the_demo(tmp_path):
    port = free_port()
    # The story's port 8000 (the API, and the links the default ENVADMIN_PUBLIC_URL makes) may be taken here.
    steps = story_steps(README.read_text().replace(":8000", f":{port}").replace("--port 8000", f"--port {port}"))
    assert len(steps) > 30 and any("envadmin worker" in s.command for s in steps)
    story = script(steps)
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    env = {**clean_environ(), "PYTHONUNBUFFERED": "1", "ENVADMIN_PUBLIC_URL": f"http://localhost:{port}",
           "PATH": os.environ["PATH"]}
    demo = subprocess.run([str(Path(sys.executable).with_name("envadmin")), "demo"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=STORY_TIMEOUT)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-2000:]

    shell = subprocess.Popen(["bash", "-c", story], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        transcript, _ = shell.communicate(timeout=STORY_TIMEOUT)
    finally:
        try:
            os.killpg(shell.pid, signal.SIGKILL)  # the worker and the API the story started, if still there
        except ProcessLookupError:
            pass

    printed = outputs(transcript)
    worker_log = (tmp_path / "var" / "worker.log").read_text(errors="replace")[-3000:]
    for number, step in enumerate(steps):
        assert number in printed, f"the story stopped before: {step.command}\n{transcript[-3000:]}\n{worker_log}"
        code, lines = printed[number]
        shown = "\n".join(lines)
        assert code == 0, f"$ {step.command}\nexit {code}\n{shown}\n{worker_log}"
        assert missing_lines(step.expected, lines) == [], f"$ {step.command}\nprinted:\n{shown}"
        assert "Traceback" not in shown, f"$ {step.command}\n{shown}"
