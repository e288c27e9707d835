"""The health checks of docker-compose.yml's web, worker and relay services (`envadmin health worker`, `envadmin
health beat`), run against real processes."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from producers.demo.processes import WorkerProcess

from ..support.stack_settings import clean_environ, make_settings, settings_env
from ..support.waiting import wait_until
from .cli_runs import CliStack, describe
from .web_server import WebServer

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"

BEAT_START_TIMEOUT = 60  # seconds


class BeatProcess(WorkerProcess):
    verb = "beat"


def test_a_worker_serving_the_queue_on_this_host_answers_the_health_check(e2e):
    result = e2e.cli("health", "worker")
    if e2e.name == "embedded":
        assert result.returncode == 1, describe(result)
        assert "the embedded broker has no remote control" in result.stderr, describe(result)
        return
    assert result.returncode == 0, describe(result)
    assert f"@{socket.gethostname()} answers, serving {e2e.settings.queue}" in result.stdout, describe(result)


def test_the_worker_health_check_fails_when_no_worker_serves_the_queue(no_worker):
    result = no_worker.cli("health", "worker")
    assert result.returncode == 1, describe(result)
    assert "Traceback" not in result.stderr
    expected = "no worker on" if no_worker.name == "redis" else "the embedded broker has no remote control"
    assert expected in result.stderr, describe(result)


def test_the_beat_health_check_passes_while_beat_ticks_and_fails_before_and_once_it_is_silent(tmp_path):
    settings = make_settings(tmp_path / "var", None, None)
    stack = CliStack("embedded", settings, {**clean_environ(), **settings_env(settings)}, tmp_path)
    before = stack.cli("health", "beat")
    assert before.returncode == 1 and "beat has not ticked here yet" in before.stderr, describe(before)
    french = CliStack("embedded", settings, {**stack.env, "LANG": "fr_FR.UTF-8", "LANGUAGE": "", "LC_ALL": "",
                                                   "LC_MESSAGES": ""}, tmp_path).cli("health", "beat")
    assert french.returncode == 1 and french.stderr.startswith("erreur : beat n’a pas encore battu ici (pas de "), \
        describe(french)

    with BeatProcess(tmp_path / "beat.log", env=stack.env):
        def passing():
            result = stack.cli("health", "beat")
            return result if result.returncode == 0 else None

        ticking = wait_until(passing, lambda: f"beat's health check to pass:\n{describe(stack.cli('health', 'beat'))}",
                             timeout=BEAT_START_TIMEOUT, poll=0.5)
        assert "beat ticks" in ticking.stdout, describe(ticking)

    pulse = settings.data_dir / "beat-pulse"
    long_ago = time.time() - 3600
    os.utime(pulse, (long_ago, long_ago))
    silent = stack.cli("health", "beat")
    assert silent.returncode == 1 and "beat last ticked 36" in silent.stderr, describe(silent)


def test_the_web_health_check_of_compose_passes_on_a_running_web_server_without_credentials(tmp_path):
    """The compose snippet as written, its address moved to the test server's port; no API token is configured."""
    *_, snippet = yaml.safe_load(COMPOSE.read_text())["services"]["web"]["healthcheck"]["test"]
    env = {**clean_environ(), **settings_env(make_settings(tmp_path / "var", None, None))}
    server = WebServer(tmp_path / "web.log", env, tmp_path)
    here = snippet.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
    assert here != snippet

    def check() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", here], capture_output=True, text=True, timeout=30,
                              check=False)

    assert check().returncode != 0  # nothing listens yet
    server.start()
    try:
        server.wait_until_ready()
        healthy = check()
        assert healthy.returncode == 0, (healthy.stderr, server.log())
    finally:
        server.stop()
