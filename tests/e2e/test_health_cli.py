"""`envadmin health worker` and `envadmin health beat`, the health checks of docker-compose.yml's worker and relay
services, against real processes."""
from __future__ import annotations

import os
import socket
import time

from producers.worker_process import WorkerProcess

from ..conftest import make_settings, settings_env
from .conftest import CliStack, clean_environ, describe

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

    with BeatProcess(tmp_path / "beat.log", env=stack.env):
        deadline = time.monotonic() + BEAT_START_TIMEOUT
        while (ticking := stack.cli("health", "beat")).returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert ticking.returncode == 0 and "beat ticks" in ticking.stdout, describe(ticking)

    pulse = settings.data_dir / "beat-pulse"
    long_ago = time.time() - 3600
    os.utime(pulse, (long_ago, long_ago))
    silent = stack.cli("health", "beat")
    assert silent.returncode == 1 and "beat last ticked 36" in silent.stderr, describe(silent)
