"""Beat's pulse: a file beat touches at every tick of its schedule, so a health check can tell a beat that runs
from one that hangs or has stopped, without asking the broker or the store."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from celery.beat import PersistentScheduler

from config.settings import Settings
from domain.said import MESSAGES, N_, said

PULSE_FILE = "beat-pulse"
MESSAGES.update({
    "beat.not_yet": N_("beat has not ticked here yet (no {path})"),
    "beat.stale": N_("beat last ticked {age} s ago (more than {most} s; {path})"),
})
SLACK_SECONDS = 30  # on top of three relay intervals: a tick late under load is not yet a dead beat


class PulsingScheduler(PersistentScheduler):
    """Celery's persistent scheduler; each tick also touches the pulse file beside the schedule file.

    Beat ticks at least once per relay interval, since the relay is the most frequent entry of the schedule."""

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        Path(self.schedule_filename).with_name(PULSE_FILE).touch()
        return interval


def pulse_path(settings: Settings) -> Path:
    return settings.data_dir / PULSE_FILE


def stale_after_seconds(settings: Settings) -> float:
    return 3 * settings.relay_interval_seconds + SLACK_SECONDS


def beat_silence(settings: Settings, now: datetime) -> str | None:
    """Why beat seems not to run here at `now` (no pulse yet, or too old; a message of domain.said), or None while
    it ticks."""
    path = pulse_path(settings)
    try:
        age = now.timestamp() - path.stat().st_mtime
    except FileNotFoundError:
        return said("beat.not_yet", path=str(path))
    if age > stale_after_seconds(settings):
        return said("beat.stale", age=f"{age:.0f}", most=f"{stale_after_seconds(settings):g}", path=str(path))
    return None
