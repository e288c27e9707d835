"""Every Celery task name is spelled once, in messaging/broker.py: workers register, producers publish, beat
schedules and tests send by its constant."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from messaging.broker import APPLY_BATCH, TASK_NAMES, TASK_PREFIX
from workers.celery_app import create_app

from ..support.stack_settings import make_settings

ROOT = Path(__file__).resolve().parents[2]
BROKER = ROOT / "messaging" / "broker.py"
MODULES = sorted(path for package in ("domain", "config", "store", "messaging", "mail", "workers", "producers",
                                      "bench", "tests")
                 for path in (ROOT / package).rglob("*.py") if path != BROKER)


def task_names_spelled(source: str) -> list[str]:
    """The string literals of a source that are a task's name."""
    return [node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and node.value in TASK_NAMES]


def test_the_worker_registers_exactly_the_named_tasks(tmp_path):
    app = create_app(make_settings(tmp_path, None, None))
    registered = {name for name in app.tasks if name.startswith(TASK_PREFIX)}
    assert registered == set(TASK_NAMES)
    assert {entry["task"] for entry in app.conf.beat_schedule.values()} <= set(TASK_NAMES)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_no_other_module_spells_a_task_name(path):
    assert task_names_spelled(path.read_text()) == []


def test_the_check_sees_a_task_name_spelled_out():
    assert task_names_spelled('app.send_task("envadmin.apply_batch", args=[])') == [APPLY_BATCH]
