"""A long-running process's garbage collector: its long-lived objects frozen out of collections, young ones
collected less often."""
from __future__ import annotations

import gc

import pytest

from config.process_heap import YOUNG_OBJECTS, settle_heap


@pytest.fixture
def collector_restored():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settling_the_heap_freezes_what_is_alive_and_collects_young_objects_less_often(collector_restored):
    alive = [object() for _ in range(10)]
    settle_heap()
    assert gc.get_freeze_count() >= len(alive)
    assert gc.get_threshold()[0] == YOUNG_OBJECTS > 700
    cycle = []
    cycle.append(cycle)  # garbage made afterwards is still collected
    del cycle
    assert gc.collect() >= 1
