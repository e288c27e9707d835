"""How the ops figures read to a person: durations, queue depths, which dead letters can be replayed. The dashboard
and `envadmin status --watch` word them alike."""
from __future__ import annotations

import re

from domain.states import CommandStatus
from languages import ENGLISH, durations
from messaging.broker import TASK_PREFIX

PRIORITY_NAMES = {"commands": "commands (first)", "mails": "mails (after commands)", "all": "all priorities"}


def duration(seconds: float | None) -> str:
    """"-" for nothing; "0.42 s", "12 s", "3 min 05 s", "2 h 07 min", "3 d 4 h"."""
    return durations.in_language(seconds, ENGLISH)


def depth_rows(queues: list[dict]) -> list[tuple[str, str, str]]:
    """(queue, priority, messages waiting) per queue and priority; "unreachable" when the broker did not answer."""
    rows = []
    for entry in queues:
        if entry["depths"] is None:
            rows.append((entry["queue"], "-", "broker unreachable"))
            continue
        rows.extend((entry["queue"], PRIORITY_NAMES.get(name, name), str(count))
                    for name, count in entry["depths"].items())
    return rows


def delivery_words(counts: dict[str, int]) -> str:
    """Outcome callback deliveries by state: "waiting 0 · sent 12 · failing 1 · given up 0"."""
    return " · ".join(f"{state.replace('_', ' ')} {count}" for state, count in counts.items())


def replayable(letter: dict) -> bool:
    """A dead letter whose command ended failed: replay sends that command again. A message that named no command
    (unreadable) has nothing to replay; a command that left `failed` since (replayed, applied) needs none."""
    return bool(letter["command_id"]) and letter["command_status"] == CommandStatus.FAILED


def job_counts(report: dict) -> str:
    """A job's non-zero counts: "applied 120 · pending 3 · invalid 1"."""
    shown = [f"{status} {count}" for status, count in report["counts"].items() if count]
    return " · ".join(shown) or "no rows"


def task_words(task: dict) -> str:
    """A running task: "apply_batch <batch of 50 commands> for 1.20 s"."""
    return f"{task_name(task)} {task.get('args') or ''} for {duration(task.get('running_seconds'))}".replace("  ", " ")


def task_name(task: dict) -> str:
    """A running task's name as envadmin registers it, without the prefix all share: "apply_batch"."""
    return (task.get("task") or "?").removeprefix(TASK_PREFIX)


# The summaries envadmin's publishers give their tasks' arguments (Celery's argsrepr; messaging.broker,
# workers.sender), each a shape a page words in its language; any other summary is shown as it is.
_TASK_ARGUMENTS = (("batch", re.compile(r"<batch of (?P<count>[0-9]+) commands>")),
                   ("mails", re.compile(r"<(?P<count>[0-9]+) mails>")),
                   ("mail", re.compile(r"<mail (?P<mail>[0-9a-fA-F-]+)>")))


def task_arguments(task: dict) -> tuple[str | None, dict[str, str]]:
    """The shape of a running task's arguments and their parts: ("batch", {"count": "50"}), ("mail", {"mail":
    id}); (None, {"text": the summary as it is}) for any other, ("none", {}) for none."""
    summary = task.get("args") or ""
    if not summary:
        return "none", {}
    for shape, pattern in _TASK_ARGUMENTS:
        found = pattern.fullmatch(summary)
        if found:
            return shape, found.groupdict()
    return None, {"text": summary}
