"""Following a job reads its whole-job report less often as the report gets costlier."""
from __future__ import annotations

import time

from producers.cli.job_verbs import _POLL_SECONDS, _Pacer


def test_a_cheap_report_is_read_again_after_the_poll_interval():
    pacer = _Pacer()
    assert pacer.due()
    before = time.monotonic()
    assert pacer.read(lambda: "report") == "report"
    after = time.monotonic()
    assert not pacer.due()
    # The read cost at most after - before, however slow the machine was meanwhile.
    assert before + _POLL_SECONDS <= pacer.next_at <= after + max(_POLL_SECONDS, (after - before) * _Pacer.COST_RATIO)


def test_a_costly_report_waits_twenty_times_its_cost():
    pacer = _Pacer()
    before = time.monotonic()
    pacer.read(lambda: time.sleep(0.1))
    assert pacer.next_at - before >= 0.1 * _Pacer.COST_RATIO
