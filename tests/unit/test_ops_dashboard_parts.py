"""The ops dashboard's parts that need no service: one read shared by every viewer, the chart's geometry, the
workers that serve the queue, and the wording shared with `status --watch`."""
from __future__ import annotations

import threading
import time

import pytest

from messaging.broker import APPLY_BATCH
from producers.ops import view
from producers.ops.chart import HEIGHT, TOP, per_minute_chart
from producers.ops.snapshot import SharedSnapshot, workers_serving


class Timer:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def counting_read():
    reads = []

    def read() -> dict:
        reads.append(1)
        return {"read": len(reads)}

    return read, reads


def test_viewers_within_a_second_share_one_read_and_the_next_second_reads_again():
    timer = Timer()
    read, reads = counting_read()
    shared = SharedSnapshot(read, seconds=1.0, timer=timer)

    assert shared.get() == {"read": 1}
    timer.now += 0.99
    assert shared.get() == {"read": 1}
    timer.now += 0.01
    assert shared.get() == {"read": 2}
    assert len(reads) == 2


def test_a_forgotten_snapshot_is_read_anew_by_the_next_viewer():
    read, reads = counting_read()
    shared = SharedSnapshot(read, seconds=1.0, timer=Timer())

    shared.get()
    shared.forget()
    assert shared.get() == {"read": 2}


def test_viewers_arriving_during_a_read_wait_for_it_rather_than_reading_again():
    started = threading.Event()
    reads = []

    def slow_read() -> dict:
        reads.append(1)
        started.set()
        time.sleep(0.2)
        return {"read": len(reads)}

    shared = SharedSnapshot(slow_read, seconds=1.0)
    results = []
    first = threading.Thread(target=lambda: results.append(shared.get()))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: results.append(shared.get())) for _ in range(8)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(5)

    assert len(reads) == 1
    assert results == [{"read": 1}] * 9


def test_a_failed_read_is_not_kept_and_the_next_viewer_reads_again():
    calls = []

    def flaky() -> dict:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the store is restarting")
        return {"ok": True}

    shared = SharedSnapshot(flaky, seconds=1.0, timer=Timer())
    with pytest.raises(RuntimeError):
        shared.get()
    assert shared.get() == {"ok": True}


def test_the_chart_scales_to_a_readable_ceiling_and_ends_with_the_current_minute():
    chart = per_minute_chart([0] * 13 + [60, 130])

    assert chart.scale == 200
    assert [bar.count for bar in chart.bars][-2:] == [60, 130]
    assert chart.bars[-1].label == "now" and chart.bars[0].label == "14 min ago"
    tallest = chart.bars[-1]
    assert tallest.y + tallest.height == chart.bottom == HEIGHT - 22
    assert abs(tallest.height - (chart.bottom - TOP) * 130 / 200) < 0.1
    assert chart.bars[0].height == 0
    assert all(a.x < b.x for a, b in zip(chart.bars, chart.bars[1:]))


def test_an_empty_chart_has_a_scale_of_one_and_flat_bars():
    chart = per_minute_chart([0] * 15)

    assert chart.scale == 1
    assert {bar.height for bar in chart.bars} == {0}


def test_only_the_workers_of_this_queue_are_listed_with_their_running_tasks():
    active = {"envadmin@a": [{"id": "t1", "name": APPLY_BATCH, "args": "<batch of 50 commands>",
                              "time_start": 1000.0}],
              "envadmin@b": [],
              "other@c": [{"id": "t2", "name": APPLY_BATCH, "args": "x", "time_start": 999.0}]}
    queues = {"envadmin@a": [{"name": "q1"}], "envadmin@b": [{"name": "q1"}, {"name": "q2"}],
              "other@c": [{"name": "elsewhere"}]}

    found = workers_serving("q1", active, queues, now=1002.5)

    assert [worker["name"] for worker in found] == ["envadmin@a", "envadmin@b"]
    assert found[0]["tasks"] == [{"task": APPLY_BATCH, "args": "<batch of 50 commands>", "id": "t1",
                                  "running_seconds": 2.5}]
    assert found[1] == {"name": "envadmin@b", "queues": ["q1", "q2"], "tasks": []}
    assert view.task_words(found[0]["tasks"][0]) == "apply_batch <batch of 50 commands> for 2.50 s"


def test_a_worker_whose_queues_did_not_come_back_in_time_is_still_listed():
    assert [w["name"] for w in workers_serving("q1", {"envadmin@a": []}, {}, now=0)] == ["envadmin@a"]


def test_durations_read_as_a_person_says_them():
    assert [view.duration(s) for s in (None, 0.4213, 12.7, 185, 7620, 3 * 86400 + 4 * 3600)] == [
        "-", "0.42 s", "12 s", "3 min 05 s", "2 h 07 min", "3 d 4 h"]


def test_only_a_dead_letter_whose_command_failed_can_be_replayed():
    letter = {"command_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "command_status": "failed"}

    assert view.replayable(letter)
    assert not view.replayable({**letter, "command_status": "applied"})
    assert not view.replayable({**letter, "command_status": "queued"})
    assert not view.replayable({"command_id": None, "command_status": None})


def test_queue_depths_are_named_per_priority_and_an_unreachable_broker_is_said():
    rows = view.depth_rows([{"queue": "envadmin", "depths": {"commands": 3, "mails": 1}},
                                {"queue": "other", "depths": None}])

    assert rows == [("envadmin", "commands (first)", "3"), ("envadmin", "mails (after commands)", "1"),
                    ("other", "-", "broker unreachable")]
